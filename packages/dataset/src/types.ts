import type { DatasetSplits } from '@lab/contracts';

/** Where the pixels came from; recorded in the cache header and on every experiment. */
export type DatasetSource = 'idx-dir' | 'download' | 'npm-package';

export interface FashionMnist extends DatasetSplits {
  source: DatasetSource;
  /** sha256 (hex) of the cached content: train and test pixels and labels. */
  version: string;
}

export interface LoadOptions {
  /** Where the binary cache (and downloaded files) live; default `<repo root>/.cache/fashion-mnist`. */
  cacheDir?: string;
  /** A directory holding the four canonical `.gz` IDX files. */
  idxDir?: string;
  /** Allow fetching the canonical files when neither a cache nor `idxDir` provides them. */
  allowDownload?: boolean;
}
