import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { nativeColumnSums } from './column-sum.ts';
import { FUSED_ADAM, nativeAdamKernel } from './fused-adam.ts';
import { native, type Native } from './native.ts';
import { nativeBinary, nativeUnary } from './native-elementwise.ts';
import { sharedIdentity, sharedSameTypeCast } from './shared-identity.ts';

/**
 * The trainer's replacements for the small kernels a step calls often, on the wasm backend:
 * identities and same-type casts without a copy, the penalty's gradient without a tensor of ones
 * (activity-regularization.ts), and with the native kernels loaded, Adam's update in one pass per
 * variable, bias gradients as column sums without a transpose, and the elementwise kernels of large
 * tensors on the GEMM's threads. Each gives the same bits as what it replaces. (Adam and the column sums written in TypeScript over the heap were slower than tfjs'
 * wasm kernels, so the fallback path keeps those: docs/benchmarks.md.)
 */
const stock = new Map<string, KernelConfig>();

type Replacement = (original: KernelConfig['kernelFunc'], loaded: Native) => KernelConfig['kernelFunc'];

/** Each replaced kernel and what replaces it; `native` ones only where the native kernels loaded. */
const REPLACEMENTS: { kernelName: string; native: boolean; replacement: Replacement }[] = [
  { kernelName: tf.Identity, native: false, replacement: () => sharedIdentity },
  { kernelName: tf.Cast, native: false, replacement: (original) => sharedSameTypeCast(original) },
  { kernelName: tf.Sum, native: true, replacement: (original, loaded) => nativeColumnSums(loaded, original) },
  { kernelName: tf.Add, native: true, replacement: (original, loaded) => nativeBinary(loaded, 'add', original) },
  { kernelName: tf.Multiply, native: true, replacement: (original, loaded) => nativeBinary(loaded, 'multiply', original) },
  { kernelName: tf.Relu, native: true, replacement: (original, loaded) => nativeUnary(loaded, 'relu', original) },
  { kernelName: tf.Step, native: true, replacement: (original, loaded) => nativeUnary(loaded, 'step', original) },
  { kernelName: tf.Square, native: true, replacement: (original, loaded) => nativeUnary(loaded, 'square', original) },
];

/** Registers the replacements on the wasm backend (true) or puts tfjs' kernels back (false). Idempotent. */
export function setSmallKernels(enabled: boolean): void {
  const loaded = native();
  for (const { kernelName, native: needsNative, replacement } of REPLACEMENTS) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (current === undefined) throw new Error(`the wasm backend has no ${kernelName} kernel`);
    const original = stock.get(kernelName) ?? current;
    stock.set(kernelName, original);
    tf.unregisterKernel(kernelName, 'wasm');
    const active = enabled && (!needsNative || loaded !== null);
    tf.registerKernel(active ? { ...original, kernelFunc: replacement(original.kernelFunc, loaded!) } : original);
  }
  if (tf.getKernel(FUSED_ADAM, 'wasm') !== undefined) tf.unregisterKernel(FUSED_ADAM, 'wasm');
  if (enabled && loaded !== null) tf.registerKernel({ kernelName: FUSED_ADAM, backendName: 'wasm', kernelFunc: nativeAdamKernel(loaded) });
}

/** Whether the replacements are in use (registered on the wasm backend). */
export function smallKernelsEnabled(): boolean {
  const identity = tf.getKernel(tf.Identity, 'wasm');
  return identity !== undefined && identity.kernelFunc === sharedIdentity;
}
