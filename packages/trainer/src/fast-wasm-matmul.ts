import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * The wasm backend's BatchMatMul is ~10–20× slower when asked to transpose an operand than on plain
 * operands (DESIGN.md §4), and Dense's gradients ask for exactly that. Materialising the transpose
 * first (a cheap memory pass) and calling the plain kernel gives the same sums in the same order of
 * the inner dimension, so results match to float rounding while a training step gets ~8× faster.
 */
const MATMUL_KERNELS = [tf.BatchMatMul, tf._FusedMatMul] as const;

type Backend = Parameters<KernelFunc>[0]['backend'] & { disposeData(dataId: object): boolean };

function swapLastTwoAxes(x: TensorInfo, backend: Backend): TensorInfo {
  const transpose = tf.getKernel(tf.Transpose, 'wasm');
  if (transpose === undefined) throw new Error('wasm backend has no Transpose kernel');
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
}

function withPlainOperands(original: KernelFunc): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as Backend;
    const { a, b } = inputs as NamedTensorInfoMap & { a: TensorInfo; b: TensorInfo };
    const transposeA = Boolean(attrs?.['transposeA']);
    const transposeB = Boolean(attrs?.['transposeB']);
    if (!transposeA && !transposeB) return original({ inputs, backend, attrs });

    const temporaries: TensorInfo[] = [];
    const plain = (x: TensorInfo, transposed: boolean): TensorInfo => {
      if (!transposed) return x;
      const t = swapLastTwoAxes(x, backend);
      temporaries.push(t);
      return t;
    };
    const plainAttrs: NamedAttrMap = { ...attrs, transposeA: false, transposeB: false };
    try {
      return original({ inputs: { ...inputs, a: plain(a, transposeA), b: plain(b, transposeB) }, backend, attrs: plainAttrs });
    } finally {
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };
}

/** The kernels as the wasm backend registered them, captured on first use. */
const stockKernels = new Map<string, KernelConfig>();
/** The wrappers this module registered, to tell which path is live. */
const fastKernels = new WeakSet<KernelFunc>();

/**
 * Routes the wasm backend's transposed matmuls through its fast plain kernel (enabled = true) or
 * restores the stock kernels (to measure and test the patch against the original path). Idempotent.
 */
export function setFastWasmMatMul(enabled: boolean): void {
  for (const kernelName of MATMUL_KERNELS) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (current === undefined) continue;
    const stock = stockKernels.get(kernelName) ?? current;
    stockKernels.set(kernelName, stock);
    tf.unregisterKernel(kernelName, 'wasm');
    const kernelFunc = enabled ? withPlainOperands(stock.kernelFunc) : stock.kernelFunc;
    if (enabled) fastKernels.add(kernelFunc);
    tf.registerKernel({ ...stock, kernelFunc });
  }
}

/** Whether the wasm backend's matmul kernels currently take the fast route. */
export function isFastWasmMatMulEnabled(): boolean {
  return MATMUL_KERNELS.every((kernelName) => {
    const current = tf.getKernel(kernelName, 'wasm');
    return current !== undefined && fastKernels.has(current.kernelFunc);
  });
}
