import { fileURLToPath } from 'node:url';

/**
 * `<repo root>/.cache/fashion-mnist` (git-ignored), located from this file rather than process.cwd()
 * so the API, workers, scripts and tests started from anywhere share one cache.
 */
export const DEFAULT_CACHE_DIR = fileURLToPath(new URL('../../../.cache/fashion-mnist', import.meta.url));
