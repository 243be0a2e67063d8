import { IMAGE_SIDE, NUM_CLASSES, type DatasetSplit } from '@lab/contracts';
import type { IdxArray } from './idx.ts';

/** Checks that an IDX image file and its label file form one split of 28×28 images with labels 0–9. */
export function splitFromIdx(
  images: IdxArray,
  labels: IdxArray,
  names: { images: string; labels: string },
): DatasetSplit {
  const [count, rows, columns] = images.dims;
  if (images.dims.length !== 3 || rows !== IMAGE_SIDE || columns !== IMAGE_SIDE || count === undefined) {
    throw new Error(`${names.images}: expected images of ${IMAGE_SIDE}×${IMAGE_SIDE}, found dims ${images.dims.join('×')}`);
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== count) {
    throw new Error(`${names.labels}: expected ${count} labels to match ${names.images}, found dims ${labels.dims.join('×')}`);
  }
  const badLabel = labels.data.findIndex((label) => label >= NUM_CLASSES);
  if (badLabel !== -1) {
    throw new Error(`${names.labels}: label ${labels.data[badLabel]} at index ${badLabel} is not a class 0–${NUM_CLASSES - 1}`);
  }
  return { images: images.data, labels: labels.data, count };
}
