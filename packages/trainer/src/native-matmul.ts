import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { GEMM_ACTIVATION } from '@lab/native-kernels';
import type { Native } from './native.ts';
import { asWasmBackend, float32Heap, heapOffset, type WasmBackend } from './wasm-memory.ts';

interface Product {
  batch: number;
  m: number;
  n: number;
  k: number;
  aStride: number;
  bStride: number;
  /** The product's shape with the broadcast batch dimensions, as tfjs returns it. */
  outShape: number[];
}

/**
 * The shapes of op(a) · op(b) when the native call covers them (float32, non-empty, batches equal or
 * one of them 1), else null: the caller then runs the wasm kernel, which also raises tfjs' errors.
 */
function product(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Product | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [bk, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  if (k !== bk || m === 0 || n === 0 || k === 0) return null;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  if ((batchA !== batchB && batchA !== 1 && batchB !== 1) || tf.util.sizeFromShape(outBatch) !== batch) return null;
  return { batch, m, n, k, aStride: batchA === 1 ? 0 : m * k, bStride: batchB === 1 ? 0 : k * n, outShape: [...outBatch, m, n] };
}

function run(
  backend: WasmBackend,
  native: Native,
  p: Product,
  operands: { a: TensorInfo; b: TensorInfo; bias: TensorInfo | null },
  transposeA: boolean,
  transposeB: boolean,
  activation: number,
): TensorInfo {
  const out = backend.makeOutput([p.batch, p.m, p.n], 'float32');
  const heap = float32Heap(backend);
  native.kernels.sgemm(
    heap,
    p.batch,
    p.m,
    p.n,
    p.k,
    transposeA ? 1 : 0,
    transposeB ? 1 : 0,
    heapOffset(backend, operands.a),
    p.aStride,
    heapOffset(backend, operands.b),
    p.bStride,
    heapOffset(backend, out),
    operands.bias === null ? -1 : heapOffset(backend, operands.bias),
    activation,
    native.threads,
  );
  return { ...out, shape: p.outShape };
}

/** BatchMatMul on the native GEMM; `fallback` (the fast wasm kernel) takes what it does not cover. */
export function nativeBatchMatMul(native: Native, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as NamedTensorInfoMap & { a: TensorInfo; b: TensorInfo };
    const transposeA = Boolean(args.attrs?.['transposeA']);
    const transposeB = Boolean(args.attrs?.['transposeB']);
    const p = product(a, b, transposeA, transposeB);
    if (p === null) return fallback(args);
    return run(asWasmBackend(args.backend), native, p, { a, b, bias: null }, transposeA, transposeB, GEMM_ACTIVATION.linear);
  };
}

/**
 * _FusedMatMul (what Dense calls: product, bias, activation) on the native GEMM, the bias and relu
 * applied to each block of rows right after it is computed. Other activations, PReLU weights and
 * non-vector biases go to `fallback`.
 */
export function nativeFusedMatMul(native: Native, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as NamedTensorInfoMap & {
      a: TensorInfo;
      b: TensorInfo;
      bias?: TensorInfo;
      preluActivationWeights?: TensorInfo;
    };
    const transposeA = Boolean(args.attrs?.['transposeA']);
    const transposeB = Boolean(args.attrs?.['transposeB']);
    const activationName = (args.attrs?.['activation'] as string | undefined) ?? 'linear';
    const activation = activationName === 'linear' || activationName === 'relu' ? GEMM_ACTIVATION[activationName] : null;
    const p = product(a, b, transposeA, transposeB);
    const vectorBias = bias == null || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === p?.n);
    if (p === null || activation === null || preluActivationWeights != null || !vectorBias) return fallback(args);
    return run(asWasmBackend(args.backend), native, p, { a, b, bias: bias ?? null }, transposeA, transposeB, activation);
  };
}
