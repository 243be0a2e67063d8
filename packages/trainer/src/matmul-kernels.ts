import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { withPlainOperands } from './fast-wasm-matmul.ts';
import { native } from './native.ts';
import { nativeBatchMatMul, nativeFusedMatMul } from './native-matmul.ts';

/**
 * Which kernels run the wasm backend's matmuls (BatchMatMul and _FusedMatMul, i.e. every Dense
 * product and gradient): the system's OpenBLAS through the native addon (@lab/native-kernels), the
 * wasm kernels on materialised transposes, or tfjs' stock wasm kernels (to measure and test against).
 */
export const MATMUL_ROUTES = ['native', 'fast-wasm', 'stock'] as const;
export type MatMulRoute = (typeof MATMUL_ROUTES)[number];

const MATMUL_KERNELS = [tf.BatchMatMul, tf._FusedMatMul] as const;

/** The kernels as the wasm backend registered them, captured on first use. */
const stockKernels = new Map<string, KernelConfig>();
/** The kernel function of each route this module registered, to tell which route is live. */
const routeOf = new WeakMap<KernelFunc, MatMulRoute>();

function kernelFor(kernelName: string, stock: KernelFunc, route: MatMulRoute): KernelFunc {
  if (route === 'stock') return stock;
  const fast = withPlainOperands(stock);
  if (route === 'fast-wasm') return fast;
  const loaded = native();
  if (loaded === null) throw new Error('the native matmul route needs the native kernels, which are not loaded');
  return kernelName === tf.BatchMatMul ? nativeBatchMatMul(loaded, fast) : nativeFusedMatMul(loaded, fast);
}

/** Registers `route`'s matmul kernels on the wasm backend (idempotent); 'native' needs the native kernels loaded. */
export function setMatMulRoute(route: MatMulRoute): void {
  for (const kernelName of MATMUL_KERNELS) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (current === undefined) continue;
    const stock = stockKernels.get(kernelName) ?? current;
    stockKernels.set(kernelName, stock);
    const kernelFunc = kernelFor(kernelName, stock.kernelFunc, route);
    routeOf.set(kernelFunc, route);
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...stock, kernelFunc });
  }
}

/** The route the wasm backend's matmuls take now, or null when none was set (not on wasm). */
export function matMulRoute(): MatMulRoute | null {
  const routes = MATMUL_KERNELS.map((kernelName) => {
    const current = tf.getKernel(kernelName, 'wasm');
    return current === undefined ? undefined : routeOf.get(current.kernelFunc);
  });
  return routes.every((route) => route !== undefined && route === routes[0]) ? routes[0]! : null;
}

/** BackendInfo.kernels for a wasm route: the matmul path, with the library for the native one. */
export function matMulKernelsLabel(route: MatMulRoute): string {
  if (route === 'native') {
    const loaded = native();
    if (loaded === null) throw new Error('the native kernels are not loaded');
    return `native-openblas-${loaded.openblas.version}-${loaded.openblas.core}`;
  }
  return route === 'fast-wasm' ? 'wasm-fast-matmul' : 'wasm-stock-matmul';
}
