/**
 * Labeled images as the dataset package stores them and the trainer reads them: uint8 pixels (not
 * float32, so the 70 000 images stay 55 MB), converted per batch where they are used.
 */
export interface DatasetSplit {
  /** `count * IMAGE_SIZE` raw pixels 0–255, each image IMAGE_SIDE × IMAGE_SIDE row-major. */
  images: Uint8Array;
  /** One class index 0 to NUM_CLASSES − 1 per image. */
  labels: Uint8Array;
  count: number;
}

export interface DatasetSplits {
  train: DatasetSplit;
  test: DatasetSplit;
}
