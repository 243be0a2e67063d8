import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFastWasmMatMul } from './fast-wasm-matmul.ts';

export const BACKEND_PREFERENCES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];

export interface BackendInfo {
  /** tfjs backend name actually running: 'tensorflow' (tfjs-node / tfjs-node-gpu), 'wasm' or 'cpu'. */
  backend: string;
  /** Which package provided it, e.g. '@tensorflow/tfjs-node-gpu'. */
  provider: string;
  tfjsVersion: string;
}

const require = createRequire(import.meta.url);

/** Native bindings register the 'tensorflow' backend on import; they are optional dependencies. */
async function loadNativeBinding(): Promise<string | null> {
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(name);
    } catch {
      continue;
    }
    await import(name);
    return name;
  }
  return null;
}

async function activateWasm(): Promise<void> {
  // Under Node the wasm binaries are read from the package folder; the threaded build cannot start
  // (its worker comes from a blob: URL), so the single-threaded SIMD build is what runs.
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  setWasmPaths(pathToFileURL(`${wasmDir}/`).pathname);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  setFastWasmMatMul(true);
}

let active: Promise<BackendInfo> | null = null;

/**
 * Selects the tfjs backend once per process (auto: tfjs-node-gpu → tfjs-node → wasm → cpu). Asking
 * for one that is not installed is an error that says what to install.
 */
export function initBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  active ??= selectBackend(preference);
  return active;
}

async function selectBackend(preference: BackendPreference): Promise<BackendInfo> {
  const info = (backend: string, provider: string): BackendInfo => ({ backend, provider, tfjsVersion: tf.version_core });
  if (preference === 'auto' || preference === 'tensorflow') {
    const provider = await loadNativeBinding();
    if (provider !== null && (await tf.setBackend('tensorflow'))) return info('tensorflow', provider);
    if (preference === 'tensorflow') {
      throw new Error(
        'TFJS_BACKEND=tensorflow but neither @tensorflow/tfjs-node nor @tensorflow/tfjs-node-gpu is installed ' +
          '(they download libtensorflow at install time: run `npm install @tensorflow/tfjs-node` with internet access)',
      );
    }
  }
  if (preference === 'auto' || preference === 'wasm') {
    try {
      await activateWasm();
      return info('wasm', '@tensorflow/tfjs-backend-wasm');
    } catch (error) {
      if (preference === 'wasm') throw error;
    }
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
  return info('cpu', '@tensorflow/tfjs-backend-cpu');
}
