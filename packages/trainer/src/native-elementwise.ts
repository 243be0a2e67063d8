import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { Native } from './native.ts';
import { asWasmBackend, float32Heap, heapOffset } from './wasm-memory.ts';

/**
 * The elementwise kernels a training step runs on every activation and gradient (bias add, relu and
 * its gradient, the penalty's square and products), natively with the GEMM's threads. Each computes
 * one IEEE float operation per element, as the wasm kernels do, so the results are the same bits;
 * small tensors, other dtypes and other broadcasts go to the wasm kernel.
 */
const OP = { add: 0, multiply: 1, relu: 2, step: 3, square: 4 } as const;
/** How the second operand lines up with the first (native_kernels.c). */
const OPERAND = { none: 0, same: 1, scalar: 2, row: 3, column: 4 } as const;
/** Below this many elements the wasm kernel is as fast: one pass costs less than a thread start. */
const MIN_ELEMENTS = 16_384;

function run(native: Native, backend: ReturnType<typeof asWasmBackend>, op: number, x: TensorInfo, y: TensorInfo | null, mode: number, columns: number, alpha = 0): TensorInfo {
  const out = backend.makeOutput(x.shape, 'float32');
  const size = tf.util.sizeFromShape(x.shape);
  native.kernels.elementwise(float32Heap(backend), op, size, columns, heapOffset(backend, x), y === null ? -1 : heapOffset(backend, y), mode, heapOffset(backend, out), alpha, native.threads);
  return out;
}

/** How `y` broadcasts over `x` when the native kernel covers it, else null. */
function alignment(x: TensorInfo, y: TensorInfo): { mode: number; columns: number } | null {
  const columns = x.shape.at(-1) ?? 1;
  const ySize = tf.util.sizeFromShape(y.shape);
  const sameShape = y.shape.length === x.shape.length && y.shape.every((d, i) => d === x.shape[i]);
  if (sameShape) return { mode: OPERAND.same, columns };
  if (ySize === 1 && y.shape.length <= x.shape.length) return { mode: OPERAND.scalar, columns };
  const rows = tf.util.sizeFromShape(x.shape) / columns;
  if (x.shape.length >= 2 && ySize === columns && y.shape.length <= x.shape.length && y.shape.at(-1) === columns) return { mode: OPERAND.row, columns };
  if (x.shape.length === 2 && y.shape.length === 2 && y.shape[0] === rows && y.shape[1] === 1) return { mode: OPERAND.column, columns };
  return null;
}

/** Add or Multiply (both commutative, so either input may be the broadcast one). */
export function nativeBinary(native: Native, op: 'add' | 'multiply', stock: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock(args);
    const [x, y] = tf.util.sizeFromShape(a.shape) >= tf.util.sizeFromShape(b.shape) ? [a, b] : [b, a];
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const fits = alignment(x, y);
    if (fits === null || tf.util.sizeFromShape(x.shape) < MIN_ELEMENTS || outShape.length !== x.shape.length) return stock(args);
    return run(native, asWasmBackend(args.backend), OP[op], x, y, fits.mode, fits.columns);
  };
}

/** Relu, Step (with its alpha) or Square. */
export function nativeUnary(native: Native, op: 'relu' | 'step' | 'square', stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) < MIN_ELEMENTS) return stock(args);
    const alpha = op === 'step' ? ((args.attrs?.['alpha'] as number | undefined) ?? 0) : 0;
    return run(native, asWasmBackend(args.backend), OP[op], x, null, OPERAND.none, x.shape.at(-1) ?? 1, alpha);
  };
}
