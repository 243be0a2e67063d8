import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIDE, IMAGE_SIZE, NUM_CLASSES, type DatasetSplit } from '@lab/contracts';
import { native } from './native.ts';

/** The first `limit` examples of a split, as views (no copy). */
export function firstExamples(split: DatasetSplit, limit: number | undefined): DatasetSplit {
  const count = Math.min(split.count, limit ?? split.count);
  return { images: split.images.subarray(0, count * IMAGE_SIZE), labels: split.labels.subarray(0, count), count };
}

/**
 * Reusable host buffers for one batch: pixels are gathered from the uint8 dataset into float32 per
 * batch (the dataset itself stays uint8: 47 MB, not 188 MB), labels become one-hot rows.
 */
export class BatchAssembler {
  private readonly pixels: Float32Array;
  private readonly oneHot: Float32Array;

  constructor(private readonly capacity: number) {
    this.pixels = new Float32Array(capacity * IMAGE_SIZE);
    this.oneHot = new Float32Array(capacity * NUM_CLASSES);
  }

  /** Tensors for examples order[start..end) of the split; the caller disposes them. */
  gather(split: DatasetSplit, order: Uint32Array, start: number, end: number): { x: tf.Tensor3D; y: tf.Tensor2D } {
    const size = end - start;
    if (size > this.capacity) throw new RangeError(`batch of ${size} exceeds capacity ${this.capacity}`);
    this.oneHot.fill(0, 0, size * NUM_CLASSES);
    // Natively where the kernels loaded: JavaScript converted a batch's scattered rows ~4× slower.
    const kernels = native()?.kernels;
    if (kernels !== undefined) kernels.gatherRows(this.pixels, split.images, order, start, size, IMAGE_SIZE);
    else {
      for (let row = 0; row < size; row++) {
        const example = order[start + row]!;
        this.pixels.set(split.images.subarray(example * IMAGE_SIZE, (example + 1) * IMAGE_SIZE), row * IMAGE_SIZE);
      }
    }
    for (let row = 0; row < size; row++) this.oneHot[row * NUM_CLASSES + split.labels[order[start + row]!]!] = 1;
    return {
      x: tf.tensor3d(this.pixels.subarray(0, size * IMAGE_SIZE), [size, IMAGE_SIDE, IMAGE_SIDE]),
      y: tf.tensor2d(this.oneHot.subarray(0, size * NUM_CLASSES), [size, NUM_CLASSES]),
    };
  }
}

/**
 * Host buffer of the chunks evaluation reads, reused rather than made per chunk: megabytes of
 * short-lived typed arrays per chunk would outlive their chunk (V8 frees their memory only once
 * their garbage reaches tens of megabytes), and the worker's memory would carry them.
 */
let rangePixels = new Float32Array(0);

/**
 * A contiguous range of a split as a float32 image tensor (evaluation reads in order). Its pixels
 * are in a buffer the next call overwrites (the backends copy them, or the cpu backend keeps them
 * until the tensor is disposed), so the tensor must be disposed before the next call.
 */
export function imageRange(split: DatasetSplit, start: number, end: number): tf.Tensor3D {
  const length = (end - start) * IMAGE_SIZE;
  if (rangePixels.length < length) rangePixels = new Float32Array(length);
  const pixels = rangePixels.subarray(0, length);
  pixels.set(split.images.subarray(start * IMAGE_SIZE, end * IMAGE_SIZE));
  return tf.tensor3d(pixels, [end - start, IMAGE_SIDE, IMAGE_SIDE]);
}
