import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const THREADED_FACTORY = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
const WASM_OUT_DIR = dirname(THREADED_FACTORY);
const PTHREAD_WORKER = fileURLToPath(new URL('./wasm-pthread-worker.cjs', import.meta.url));
/** The build's cap on XNNPACK's thread pool (cc/backend.cc). */
export const MAX_WASM_THREADS = 8;

/** The parts of the Emscripten module that this file and BackendWasm use. */
interface ThreadedWasmModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => unknown;
  PThread: { unusedWorkers: { terminate(): unknown }[]; runningWorkers: { unref(): void }[] };
  tfjs?: Record<string, unknown>;
}
type ThreadedWasmFactory = (config: { locateFile(path: string): string; mainScriptUrlOrBlob: string }) => Promise<ThreadedWasmModule>;

/**
 * The threaded build sizes XNNPACK's pool as min(requested, logical cores / 2) (it assumes two
 * hyperthreads per core), with the core count read from os.cpus() while the module initialises. On a
 * 2-vCPU machine that is one thread; so while it initialises, the module is shown 2 × `threads` cores.
 */
async function withReportedCores<T>(cores: number, create: () => Promise<T>): Promise<T> {
  const realCpus = os.cpus;
  const cpus = realCpus();
  os.cpus = () => Array.from({ length: cores }, (_, i) => cpus[i % cpus.length]!);
  try {
    return await create();
  } finally {
    os.cpus = realCpus;
  }
}

/**
 * Replaces the 'wasm' backend with tfjs' threaded SIMD build running `threads` XNNPACK threads (its
 * pthreads are Node worker threads started from a file, see wasm-pthread-worker.cjs). The kernels
 * stay the same registered 'wasm' kernels: only the module they call differs. XNNPACK splits a
 * matmul's output tiles between threads, so every output sums its terms in the same order as with
 * one thread, and results are identical. Returns the thread count XNNPACK reports.
 */
export async function activateThreadedWasm(threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 2 || threads > MAX_WASM_THREADS) {
    throw new RangeError(`wasm threads must be an integer in 2..${MAX_WASM_THREADS}, got ${threads}`);
  }
  const factory = require(THREADED_FACTORY) as ThreadedWasmFactory;
  const wasm = await withReportedCores(2 * threads, () =>
    factory({
      locateFile: (path) => (path.endsWith('.worker.js') ? PTHREAD_WORKER : join(WASM_OUT_DIR, path)),
      mainScriptUrlOrBlob: THREADED_FACTORY,
    }),
  );
  // What the package's own loader attaches before constructing BackendWasm.
  wasm.tfjs = {
    init: wasm.cwrap('init', null, []),
    initWithThreadsCount: wasm.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: wasm.cwrap('get_threads_count', 'number', []),
    registerTensor: wasm.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: wasm.cwrap('dispose_data', null, ['number']),
    dispose: wasm.cwrap('dispose', null, []),
  };
  setThreadsCount(threads);
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => new BackendWasm(wasm as unknown as ConstructorParameters<typeof BackendWasm>[0]));
  if (!(await tf.setBackend('wasm'))) throw new Error('the threaded wasm backend failed to initialise');
  // Emscripten preloads 8 workers, each with its own instance; the pool now holds what it needs.
  for (const idle of wasm.PThread.unusedWorkers.splice(0)) void idle.terminate();
  // The pool's threads live as long as the process; like the event loop's own helpers, they must
  // not keep it from exiting (Emscripten refs a worker while its pthread runs).
  for (const poolThread of wasm.PThread.runningWorkers) poolThread.unref();
  return getThreadsCount();
}
