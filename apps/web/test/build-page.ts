import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds the page when it is older than its sources, as every install and `npm test` do. */
export function buildPage(): void {
  const script = fileURLToPath(new URL('../build-if-stale.mjs', import.meta.url));
  const result = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`building the dashboard failed (exit code ${result.status ?? result.signal})`);
}
