import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NativeKernelsLoad } from '@lab/native-kernels';
import { matMulKernelsLabel, setMatMulRoute } from './matmul-kernels.ts';
import { releaseFreedMemory, setNative } from './native.ts';
import { setSmallKernels } from './small-kernels.ts';
import { MAX_WASM_THREADS, activateThreadedWasm } from './threaded-wasm.ts';

import type { BackendPreference } from '@lab/contracts';

export { BACKEND_PREFERENCES, type BackendPreference } from '@lab/contracts';

export interface BackendInfo {
  /** tfjs backend name actually running: 'tensorflow' (tfjs-node / tfjs-node-gpu), 'wasm' or 'cpu'. */
  backend: string;
  /** Which package provided it, e.g. '@tensorflow/tfjs-node-gpu'. */
  provider: string;
  tfjsVersion: string;
  /**
   * Threads one kernel may use: the native GEMM's threads or XNNPACK's pool size on wasm, 1 on cpu,
   * null when the binding decides.
   */
  threads: number | null;
  /**
   * Which kernels run the matmuls, the bulk of a step and the one kernel choice that changes results
   * (the other replacements are bit-identical to tfjs'): 'libtensorflow' (native bindings),
   * 'native-openblas-<version>-<kernel family>' (the system's OpenBLAS under the wasm backend, e.g.
   * native-openblas-0.3.21-SkylakeX), 'wasm-fast-matmul' (XNNPACK with transposes materialised
   * first, see fast-wasm-matmul.ts), 'tfjs-cpu' (pure JS).
   */
  kernels: string;
}

export interface BackendOptions {
  /**
   * Threads for the wasm backend's matmuls (default 1): the native GEMM's when it loads, else
   * XNNPACK's (above 1 the threaded SIMD build runs). Results are identical for any count; a step is
   * faster when that many cores are free and slower when they are not (several jobs on a machine
   * should share its cores: threads × concurrent jobs ≤ cores).
   */
  wasmThreads?: number;
}

const require = createRequire(import.meta.url);

/**
 * Native bindings register the 'tensorflow' backend on import; they are optional dependencies. One
 * that is installed but cannot load (its libtensorflow was never downloaded, or CUDA is missing) is
 * skipped with its reason, which the caller reports if no native backend is left.
 */
async function loadNativeBinding(): Promise<{ provider: string | null; failures: string[] }> {
  const failures: string[] = [];
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    let entry: string;
    try {
      entry = require.resolve(name);
    } catch {
      continue;
    }
    try {
      await import(pathToFileURL(entry).href);
      return { provider: name, failures };
    } catch (error) {
      failures.push(`${name} is installed but failed to load: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { provider: null, failures };
}

/** The native kernels addon, or why not: an optional dependency, built at install when it can be. */
async function loadNativeKernels(): Promise<NativeKernelsLoad> {
  let addon: typeof import('@lab/native-kernels');
  try {
    addon = await import('@lab/native-kernels');
  } catch (error) {
    return { loaded: false, mode: 'auto', reason: `@lab/native-kernels is not installed (${error instanceof Error ? error.message : String(error)})` };
  }
  const load = addon.loadNativeKernels(addon.nativeKernelsMode());
  if (!load.loaded && load.mode === 'required') throw new Error(`LAB_NATIVE_KERNELS=required but the native kernels do not load: ${load.reason}`);
  return load;
}

/** The SIMD build (single-threaded), as tfjs' own loader starts it under Node. */
async function activateSimdWasm(): Promise<void> {
  // Under Node the package's own loader reads the binaries from its folder; as shipped it never picks
  // the threaded build there (see threaded-wasm.ts for how that one starts).
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  setWasmPaths(pathToFileURL(`${wasmDir}/`).pathname);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
}

/**
 * Blocks of at least this size are mapped by the C allocator and returned when freed. Otherwise
 * glibc soon serves megabyte blocks (epoch checkpoints and their copies on the way to Postgres)
 * from arenas that keep freed memory: through the service, the worker's main arena held 48–64 MiB
 * at its peak, 12 MiB with this. Set where the addon loads; it applies to the whole process.
 */
const MMAP_THRESHOLD_BYTES = 256 * 1024;

/**
 * glibc's arenas for the process: each keeps what is freed into it, and a thread that meets a busy
 * one gets another (up to 8 per core). With MALLOC_ARENA_MAX=2 for the whole worker process, its peak
 * through the service was 379 MiB on average against 402 (3 and 4 runs, ±20 MiB between runs); set
 * here, where the addon loads, it caps the arenas created from then on.
 */
const MALLOC_ARENAS = 2;

/**
 * Starts the wasm backend with the fastest kernels that run here: the native ones, with `threads`
 * threads per GEMM (the single-threaded SIMD build then suffices), else the fast wasm matmul (the
 * threaded build when `threads` > 1), saying why in one line; either way with the trainer's small
 * kernels (bit-identical to tfjs', see small-kernels.ts). Returns the threads and BackendInfo.kernels.
 */
async function activateWasm(threads: number, native: NativeKernelsLoad): Promise<{ threads: number; kernels: string }> {
  let running = threads;
  if (native.loaded) {
    native.kernels.setMmapThreshold(MMAP_THRESHOLD_BYTES);
    native.kernels.setArenaMax(MALLOC_ARENAS);
    await activateSimdWasm();
    setNative({ kernels: native.kernels, openblas: native.openblas, threads });
    setMatMulRoute('native');
  } else {
    console.warn(`trainer: native kernels not used (${native.reason}); matmuls run on the fast wasm path`);
    if (threads > 1) running = await activateThreadedWasm(threads);
    else await activateSimdWasm();
    setMatMulRoute('fast-wasm');
  }
  setSmallKernels(true);
  // Compiling the wasm module leaves tens of MiB freed in V8's compiler threads' arenas: give them
  // back before the dataset and the first epoch arrive on top of them.
  releaseFreedMemory();
  return { threads: running, kernels: matMulKernelsLabel(native.loaded ? 'native' : 'fast-wasm') };
}

let active: Promise<BackendInfo> | null = null;

/**
 * Selects the tfjs backend once per process (auto: tfjs-node-gpu → tfjs-node → wasm → cpu); later
 * calls return the first selection. Asking for one that is not installed is an error that says what
 * to install.
 */
export function initBackend(preference: BackendPreference = 'auto', options: BackendOptions = {}): Promise<BackendInfo> {
  const wasmThreads = options.wasmThreads ?? 1;
  if (!Number.isInteger(wasmThreads) || wasmThreads < 1 || wasmThreads > MAX_WASM_THREADS) {
    return Promise.reject(new RangeError(`wasm threads must be an integer in 1..${MAX_WASM_THREADS}, got ${wasmThreads}`));
  }
  active ??= selectBackend(preference, wasmThreads);
  return active;
}

async function selectBackend(preference: BackendPreference, wasmThreads: number): Promise<BackendInfo> {
  const info = (backend: string, provider: string, threads: number | null, kernels: string): BackendInfo => ({
    backend,
    provider,
    tfjsVersion: tf.version_core,
    threads,
    kernels,
  });
  if (preference === 'auto' || preference === 'tensorflow') {
    const { provider, failures } = await loadNativeBinding();
    if (provider !== null && (await tf.setBackend('tensorflow'))) return info('tensorflow', provider, null, 'libtensorflow');
    if (preference === 'tensorflow') {
      throw new Error(
        failures.length > 0
          ? `TFJS_BACKEND=tensorflow but no native binding loads: ${failures.join('; ')}`
          : 'TFJS_BACKEND=tensorflow but neither @tensorflow/tfjs-node nor @tensorflow/tfjs-node-gpu is installed ' +
              '(they download libtensorflow at install time: run `npm install @tensorflow/tfjs-node` with internet access)',
      );
    }
  }
  if (preference === 'auto' || preference === 'wasm') {
    // Outside the fallback below: a bad LAB_NATIVE_KERNELS, or `required` unmet, is the user's to fix.
    const native = await loadNativeKernels();
    try {
      const wasm = await activateWasm(wasmThreads, native);
      return info('wasm', '@tensorflow/tfjs-backend-wasm', wasm.threads, wasm.kernels);
    } catch (error) {
      // Threads are asked for explicitly: falling back to a slower backend would hide the failure.
      if (preference === 'wasm' || wasmThreads > 1) throw error;
    }
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
  return info('cpu', '@tensorflow/tfjs-backend-cpu', 1, 'tfjs-cpu');
}
