/**
 * Child process for backend tests: initBackend selects once per process, so every selection under
 * test gets a fresh process. argv[2] is a JSON `ChildRequest`; the last stdout line is a `ChildReport`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EpochMetrics } from '@lab/contracts';
import { initBackend, train, type BackendInfo, type BackendPreference } from '../src/index.ts';
import { syntheticSplit } from './fixtures.ts';

export interface ChildRequest {
  preference: BackendPreference;
  wasmThreads?: number;
  /** A second initBackend call, to observe memoisation. */
  thenPreference?: BackendPreference;
  /** Train a small model for a few epochs and report its metrics and the backend's buffers per epoch. */
  train?: boolean;
}

export interface ChildReport {
  info: BackendInfo;
  activeBackend: string;
  then?: BackendInfo;
  epochs?: Omit<EpochMetrics, 'durationMs'>[];
  dataBuffersPerEpoch?: number[];
}

const request = JSON.parse(process.argv[2] ?? '{}') as ChildRequest;
const info = await initBackend(request.preference, { wasmThreads: request.wasmThreads });
const report: ChildReport = { info, activeBackend: tf.getBackend() };
if (request.thenPreference) report.then = await initBackend(request.thenPreference);
if (request.train) {
  report.epochs = [];
  report.dataBuffersPerEpoch = [];
  const outcome = await train({
    // Layers wide enough that XNNPACK splits the matmuls between threads, and batches of more than
    // one row block, so that the native GEMM does too.
    spec: { lambda: 1e-4, epochs: 3, batchSize: 384, learningRate: 0.003, hiddenLayers: [256, 128], seed: 7 },
    data: { train: syntheticSplit(512, 1), test: syntheticSplit(256, 2) },
    onEpoch: ({ durationMs: _wallTime, ...metrics }) => {
      report.epochs!.push(metrics);
      report.dataBuffersPerEpoch!.push(tf.memory().numDataBuffers);
    },
  });
  outcome.model.dispose();
}
console.log(JSON.stringify(report));
