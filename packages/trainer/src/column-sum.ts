import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { Native } from './native.ts';
import { asWasmBackend, float32Heap, heapOffset } from './wasm-memory.ts';

/**
 * Sum over the leading axes (a bias gradient: Dense sums its output gradient over the batch) as
 * native column sums. The wasm Sum kernel first transposes its input so that the reduced axes come
 * last (a full pass over a batch × units tensor) and then adds each output's terms in order in
 * float32; adding the rows in order into one accumulator row adds the same terms in the same order,
 * so the sums are bit-identical. Every other reduction goes to `stock`.
 */
export function nativeColumnSums(native: Native, stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    // In this order only: the wasm kernel adds the reduced axes in the order they are given.
    const axes = tf.util.parseAxisParam(args.attrs?.['axis'] as number | number[], x.shape);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((axis, i) => axis === i);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
    const columns = tf.util.sizeFromShape(x.shape.slice(axes.length));
    if (x.dtype !== 'float32' || !leading || rows === 0 || columns === 0) return stock(args);
    const keepDims = Boolean(args.attrs?.['keepDims']);
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length), 'float32');
    native.kernels.columnSums(float32Heap(backend), rows, columns, heapOffset(backend, x), heapOffset(backend, out));
    return out;
  };
}
