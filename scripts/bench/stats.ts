import { IMAGE_SIZE, NUM_CLASSES } from '@lab/contracts';
import { BENCH_SPEC } from './protocol.ts';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The value below which `fraction` of the samples lie (nearest rank). */
export function quantile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;
}

const LAYER_WIDTHS = [IMAGE_SIZE, ...BENCH_SPEC.hiddenLayers, NUM_CLASSES];

/**
 * Matmul FLOPs of one training step of the seed network (2 per multiply-add): the forward product
 * of every Dense layer, its kernel gradient, and the input gradient of every layer but the first
 * (nothing upstream of the first layer is trainable, so tfjs prunes that one).
 */
export function matmulFlopsPerStep(batchSize: number = BENCH_SPEC.batchSize): number {
  let flops = 0;
  for (let layer = 0; layer + 1 < LAYER_WIDTHS.length; layer++) {
    const product = 2 * batchSize * LAYER_WIDTHS[layer]! * LAYER_WIDTHS[layer + 1]!;
    flops += layer === 0 ? 2 * product : 3 * product;
  }
  return flops;
}
