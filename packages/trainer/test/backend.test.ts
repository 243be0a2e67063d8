import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { loadNativeKernels } from '@lab/native-kernels';
import { initBackend } from '../src/index.ts';
import type { ChildReport, ChildRequest } from './backend-child.ts';
import { skipWithoutNativeKernels } from './native-availability.ts';

const CHILD = fileURLToPath(new URL('./backend-child.ts', import.meta.url));
const run = promisify(execFile);

/** Runs backend-child.ts in a fresh process (with `env` over this one's); rejects with its stderr when it fails. */
async function inChild(request: ChildRequest, env: NodeJS.ProcessEnv = {}): Promise<ChildReport & { stderr: string }> {
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(request)], {
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { ...(JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildReport), stderr };
}

/** The fallback path, as on a machine where the native kernels cannot be built. */
const WITHOUT_NATIVE = { LAB_NATIVE_KERNELS: 'off' };
const FALLBACK_LINE = /^trainer: native kernels not used \(disabled by LAB_NATIVE_KERNELS=off\); matmuls run on the fast wasm path$/m;

function isInstalled(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
const nativeInstalled = isInstalled('@tensorflow/tfjs-node') || isInstalled('@tensorflow/tfjs-node-gpu');

describe('initBackend', () => {
  it('without the native kernels selects wasm on the fast wasm matmul, single-threaded by default, and says why in one line', async () => {
    const report = await inChild({ preference: 'wasm' }, WITHOUT_NATIVE);
    assert.equal(report.activeBackend, 'wasm');
    assert.deepEqual(report.info, { backend: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', tfjsVersion: tf.version_core, threads: 1, kernels: 'wasm-fast-matmul' });
    assert.match(report.stderr, FALLBACK_LINE);
    assert.equal(report.stderr.match(/native kernels not used/g)?.length, 1);
  });

  it('with the native kernels selects wasm on OpenBLAS, names the library and its kernel family, and logs nothing', { skip: skipWithoutNativeKernels }, async () => {
    const report = await inChild({ preference: 'wasm', wasmThreads: 2 });
    assert.equal(report.activeBackend, 'wasm');
    assert.equal(report.info.threads, 2);
    assert.match(report.info.kernels, /^native-openblas-\d+\.\d+\.\d+-\w+$/);
    assert.doesNotMatch(report.stderr, /native kernels not used/);
  });

  it('the native kernels fix the C allocator\'s mmap threshold, cap its arenas and give back its free pages for the process, and refuse values they cannot take', { skip: skipWithoutNativeKernels }, () => {
    const load = loadNativeKernels('required');
    assert.ok(load.loaded);
    assert.equal(load.kernels.setMmapThreshold(256 * 1024), true);
    assert.equal(load.kernels.setMmapThreshold(0), false);
    assert.equal(load.kernels.setMmapThreshold(2 ** 40), false);
    assert.throws(() => load.kernels.setMmapThreshold('many' as unknown as number), RangeError);
    assert.equal(load.kernels.setArenaMax(2), true);
    assert.equal(load.kernels.setArenaMax(0), false);
    assert.equal(load.kernels.setArenaMax(65), false);
    assert.throws(() => load.kernels.setArenaMax('few' as unknown as number), RangeError);
    // A process that has started tfjs always holds freed blocks in its arenas: true means pages went back.
    assert.equal(load.kernels.trimMalloc(), true);
  });

  it('rejects an unknown LAB_NATIVE_KERNELS value, naming the variable, rather than falling back', async () => {
    for (const preference of ['wasm', 'auto'] as const) {
      await assert.rejects(inChild({ preference }, { LAB_NATIVE_KERNELS: 'sometimes' }), /LAB_NATIVE_KERNELS must be auto, off or required, got "sometimes"/);
    }
  });

  it('selects cpu when asked', async () => {
    const report = await inChild({ preference: 'cpu' });
    assert.equal(report.activeBackend, 'cpu');
    assert.deepEqual(report.info, { backend: 'cpu', provider: '@tensorflow/tfjs-backend-cpu', tfjsVersion: tf.version_core, threads: 1, kernels: 'tfjs-cpu' });
  });

  it('auto prefers tfjs-node and otherwise falls back to wasm', async () => {
    const report = await inChild({ preference: 'auto' });
    const expected = nativeInstalled ? 'tensorflow' : 'wasm';
    assert.equal(report.activeBackend, expected);
    assert.equal(report.info.backend, expected);
  });

  it('tensorflow without tfjs-node installed is an error naming the package', { skip: nativeInstalled && 'tfjs-node is installed here' }, async () => {
    await assert.rejects(inChild({ preference: 'tensorflow' }), (error: Error & { stderr?: string }) => {
      assert.match(error.stderr ?? '', /neither @tensorflow\/tfjs-node nor @tensorflow\/tfjs-node-gpu is installed/);
      return true;
    });
  });

  it('skips an installed tfjs-node that cannot load: auto falls back to wasm, tensorflow says why', { skip: nativeInstalled && 'a real tfjs-node is installed here' }, async () => {
    // A package that resolves but throws on import, as tfjs-node does when libtensorflow was never downloaded.
    const modules = await mkdtemp(join(tmpdir(), 'lab-broken-binding-'));
    try {
      const packageDir = join(modules, '@tensorflow', 'tfjs-node');
      await mkdir(packageDir, { recursive: true });
      await writeFile(join(packageDir, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', main: 'index.js' }));
      await writeFile(join(packageDir, 'index.js'), "throw new Error('libtensorflow.so: cannot open shared object file');");
      const env = { ...process.env, NODE_PATH: modules };
      const report = await inChild({ preference: 'auto' }, env);
      assert.equal(report.info.backend, 'wasm');
      await assert.rejects(inChild({ preference: 'tensorflow' }, env), /@tensorflow\/tfjs-node is installed but failed to load: libtensorflow\.so/);
    } finally {
      await rm(modules, { recursive: true, force: true });
    }
  });

  it('selects once per process: a later call returns the first selection', async () => {
    const report = await inChild({ preference: 'cpu', thenPreference: 'wasm' });
    assert.equal(report.activeBackend, 'cpu');
    assert.deepEqual(report.then, report.info);
  });

  it('rejects a wasm thread count outside 1..8 before selecting anything', async () => {
    for (const wasmThreads of [0, 1.5, 9]) {
      await assert.rejects(initBackend('wasm', { wasmThreads }), RangeError);
    }
  });

  it('without the native kernels runs the threaded wasm build with the asked threads: same metrics as one thread, no leak, and the process exits', async () => {
    const [single, threaded] = await Promise.all([
      inChild({ preference: 'wasm', train: true }, WITHOUT_NATIVE),
      inChild({ preference: 'wasm', wasmThreads: 2, train: true }, WITHOUT_NATIVE),
    ]);
    assert.equal(threaded.info.threads, 2);
    assert.equal(threaded.activeBackend, 'wasm');
    // XNNPACK splits output tiles between threads, so every sum keeps its order: identical results.
    assert.equal(threaded.epochs!.length, 3);
    assert.deepEqual(threaded.epochs, single.epochs);
    for (const report of [single, threaded]) {
      assert.ok(report.dataBuffersPerEpoch!.every((count) => count === report.dataBuffersPerEpoch![0]), `${report.dataBuffersPerEpoch}`);
    }
  });

  it('on the native kernels trains to the same bits with 1 and 2 GEMM threads, close to the fallback path, without leaks', { skip: skipWithoutNativeKernels }, async () => {
    const [single, threaded, fallback] = await Promise.all([
      inChild({ preference: 'wasm', train: true }),
      inChild({ preference: 'wasm', wasmThreads: 2, train: true }),
      inChild({ preference: 'wasm', train: true }, WITHOUT_NATIVE),
    ]);
    assert.match(single.info.kernels, /^native-openblas-/);
    assert.equal(fallback.info.kernels, 'wasm-fast-matmul');
    // Each GEMM is cut into the same blocks whatever the thread count: identical results.
    assert.equal(single.epochs!.length, 3);
    assert.deepEqual(threaded.epochs, single.epochs);
    for (const report of [single, threaded]) {
      assert.ok(report.dataBuffersPerEpoch!.every((count) => count === report.dataBuffersPerEpoch![0]), `${report.dataBuffersPerEpoch}`);
    }
    // Another summation order of the same products: float32 rounding apart, after 3 epochs of training.
    single.epochs!.forEach((epoch, i) => {
      const other = fallback.epochs![i]!;
      for (const key of ['loss', 'crossEntropy', 'penalty', 'valLoss', 'valCrossEntropy', 'valPenalty'] as const) {
        assert.ok(Math.abs(epoch[key] - other[key]) <= 1e-4 * Math.abs(other[key]), `epoch ${epoch.epoch} ${key}: ${epoch[key]} vs ${other[key]}`);
      }
      for (const key of ['accuracy', 'valAccuracy'] as const) assert.ok(Math.abs(epoch[key] - other[key]) <= 0.01, `epoch ${epoch.epoch} ${key}`);
    });
  });
});
