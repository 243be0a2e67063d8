import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's BackendWasm that kernels written in TypeScript use. */
export interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
}

export function asWasmBackend(backend: Parameters<KernelFunc>[0]['backend']): WasmBackend {
  return backend as unknown as WasmBackend;
}

let heapView: Float32Array | null = null;

/**
 * The whole wasm heap as float32, re-made after the heap grows (growing detaches the old buffer).
 * Take it after allocating a kernel's outputs, never before.
 */
export function float32Heap(backend: WasmBackend): Float32Array {
  const buffer = backend.wasm.HEAPU8.buffer;
  if (heapView === null || heapView.buffer !== buffer) heapView = new Float32Array(buffer);
  return heapView;
}

/** Where a float32 tensor's data starts in float32Heap(), in elements. */
export function heapOffset(backend: WasmBackend, info: TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error('tensor data is not on the wasm backend');
  // tfjs allocates with malloc, whose blocks are at least 8-byte aligned.
  return data.memoryOffset / 4;
}

/** Copies a tensor's bytes into `target` (its exact length): from the wasm heap without an intermediate copy where it lives there. */
export function copyTensorBytes(tensor: tf.Tensor, target: Uint8Array): void {
  if (tf.getBackend() === 'wasm') {
    const backend = asWasmBackend(tf.backend());
    const offset = backend.dataIdMap.get(tensor.dataId)?.memoryOffset;
    if (typeof offset === 'number') {
      target.set(backend.wasm.HEAPU8.subarray(offset, offset + target.length));
      return;
    }
  }
  const values = tensor.dataSync();
  target.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}
