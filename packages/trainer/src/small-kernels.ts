import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { nativeColumnSums } from './column-sum.ts';
import { FUSED_ADAM, nativeAdamKernel } from './fused-adam.ts';
import { native } from './native.ts';
import { sharedIdentity, sharedSameTypeCast } from './shared-identity.ts';

/**
 * The trainer's replacements for the small kernels a step calls often, on the wasm backend:
 * identities and same-type casts without a copy, the penalty's gradient without a tensor of ones
 * (activity-regularization.ts), and with the native kernels loaded, Adam's update in one pass per
 * variable and bias gradients as column sums without a transpose. Each gives the same bits as what
 * it replaces. (Adam and the column sums written in TypeScript over the heap were slower than tfjs'
 * wasm kernels, so the fallback path keeps those: docs/benchmarks.md.)
 */
const stock = new Map<string, KernelConfig>();

function replace(kernelName: string, replacement: KernelConfig['kernelFunc'] | null): void {
  const current = tf.getKernel(kernelName, 'wasm');
  if (current === undefined) throw new Error(`the wasm backend has no ${kernelName} kernel`);
  const original = stock.get(kernelName) ?? current;
  stock.set(kernelName, original);
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel(replacement === null ? original : { ...original, kernelFunc: replacement });
}

/** Registers the replacements on the wasm backend (true) or puts tfjs' kernels back (false). Idempotent. */
export function setSmallKernels(enabled: boolean): void {
  const loaded = native();
  replace(tf.Identity, enabled ? sharedIdentity : null);
  const cast = stock.get(tf.Cast) ?? tf.getKernel(tf.Cast, 'wasm');
  replace(tf.Cast, enabled && cast !== undefined ? sharedSameTypeCast(cast.kernelFunc) : null);
  const sum = stock.get(tf.Sum) ?? tf.getKernel(tf.Sum, 'wasm');
  replace(tf.Sum, enabled && loaded !== null && sum !== undefined ? nativeColumnSums(loaded, sum.kernelFunc) : null);
  if (tf.getKernel(FUSED_ADAM, 'wasm') !== undefined) tf.unregisterKernel(FUSED_ADAM, 'wasm');
  if (enabled && loaded !== null) tf.registerKernel({ kernelName: FUSED_ADAM, backendName: 'wasm', kernelFunc: nativeAdamKernel(loaded) });
}

/** Whether the replacements are in use (registered on the wasm backend). */
export function smallKernelsEnabled(): boolean {
  const identity = tf.getKernel(tf.Identity, 'wasm');
  return identity !== undefined && identity.kernelFunc === sharedIdentity;
}
