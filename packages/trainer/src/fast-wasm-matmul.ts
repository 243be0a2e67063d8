import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * The wasm backend's BatchMatMul is ~10–20× slower when asked to transpose an operand than on plain
 * operands, and Dense's gradients ask for exactly that. Materialising the transpose first (a cheap
 * memory pass) and calling the plain kernel gives the same sums in the same order of the inner
 * dimension, so results match to float rounding while a training step gets ~8× faster.
 */
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

/** `stock` (the wasm BatchMatMul or _FusedMatMul kernel) called on plain operands only. */
export function withPlainOperands(stock: KernelFunc): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as Backend;
    const { a, b } = inputs as NamedTensorInfoMap & { a: TensorInfo; b: TensorInfo };
    const transposeA = Boolean(attrs?.['transposeA']);
    const transposeB = Boolean(attrs?.['transposeB']);
    if (!transposeA && !transposeB) return stock({ inputs, backend, attrs });

    const temporaries: TensorInfo[] = [];
    const plain = (x: TensorInfo, transposed: boolean): TensorInfo => {
      if (!transposed) return x;
      const t = swapLastTwoAxes(x, backend);
      temporaries.push(t);
      return t;
    };
    const plainAttrs: NamedAttrMap = { ...attrs, transposeA: false, transposeB: false };
    try {
      return stock({ inputs: { ...inputs, a: plain(a, transposeA), b: plain(b, transposeB) }, backend, attrs: plainAttrs });
    } finally {
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };
}
