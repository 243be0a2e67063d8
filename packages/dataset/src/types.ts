/** Where the pixels came from; recorded in the cache header and on every experiment. */
export type DatasetSource = 'idx-dir' | 'download' | 'npm-package';

export interface DatasetSplit {
  /** `count * 784` raw pixels 0–255, each image 28×28 row-major. */
  images: Uint8Array;
  /** One class index 0–9 per image. */
  labels: Uint8Array;
  count: number;
}

export interface DatasetSplits {
  train: DatasetSplit;
  test: DatasetSplit;
}

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
