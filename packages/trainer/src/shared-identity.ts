import type { DataType, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Identity sharing its input's memory, as the cpu and webgl backends do (tensors are immutable, and
 * the backend counts references): the wasm kernel copies instead, and tfjs-layers calls it for
 * every layer that returns its input — the penalty layers, a pass over batch × units each.
 */
export const sharedIdentity: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** Cast that shares its input's memory when the type does not change (tfjs casts float32 to float32 in relu's gradient). */
export function sharedSameTypeCast(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    return (args.attrs?.['dtype'] as DataType | undefined) === x.dtype ? sharedIdentity(args) : stock(args);
  };
}
