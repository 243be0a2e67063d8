/**
 * Child process of bench-train.ts: selects a backend (once per process), loads Fashion-MNIST and
 * trains the seed network, timing every step. argv[2] is a `TrainingRun` as JSON; the report is the
 * last stdout line.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { loadFashionMnist } from '@lab/dataset';
import type { DatasetSplits } from '@lab/contracts';
import { buildModel, firstExamples, initBackend, matMulKernelsLabel, setMatMulRoute, setSmallKernels, train } from '@lab/trainer';
import { BENCH_SPEC, trainingRunSchema, type TrainingReport, type TrainingRun } from './protocol.ts';

const run = trainingRunSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
process.env.LAB_NATIVE_KERNELS = run.nativeKernels;
const selected = await initBackend(run.backend, { wasmThreads: run.wasmThreads });
if (selected.backend === 'wasm' && !run.smallKernels) setSmallKernels(false);
if (selected.backend === 'wasm' && run.matMul !== undefined) setMatMulRoute(run.matMul);
const backendInfo = { ...selected, kernels: selected.backend === 'wasm' && run.matMul !== undefined ? matMulKernelsLabel(run.matMul) : selected.kernels };
const dataset = await loadFashionMnist();
const data: DatasetSplits = { train: firstExamples(dataset.train, run.trainLimit), test: dataset.test };

const stepMs: number[][] = [];
const epochMs: number[] = [];
const tailMs: number[] = [];
const tensors = { before: tf.memory().numTensors, perEpoch: [] as number[], after: 0 };
const dataBuffers = { before: tf.memory().numDataBuffers, perEpoch: [] as number[], after: 0 };

/** Step boundaries of the current epoch (performance.now() at each batch start). */
let boundaries: number[] = [];
function endEpoch(durationMs: number): void {
  stepMs.push(boundaries.slice(1).map((t, i) => t - boundaries[i]!));
  epochMs.push(durationMs);
  tailMs.push(performance.now() - boundaries.at(-1)!);
  tensors.perEpoch.push(tf.memory().numTensors);
  dataBuffers.perEpoch.push(tf.memory().numDataBuffers);
  boundaries = [];
}

let model: LayersModel;
if (run.loop === 'train') {
  const outcome = await train({
    spec: { ...BENCH_SPEC, epochs: run.epochs },
    data,
    // Polled at every batch boundary: the gaps between calls are the steps of the real loop.
    shouldStop: () => {
      boundaries.push(performance.now());
      return false;
    },
    onEpoch: (metrics) => endEpoch(metrics.durationMs),
  });
  model = outcome.model;
} else {
  model = await fitWithLayers(data);
}
model.dispose();
tensors.after = tf.memory().numTensors;
dataBuffers.after = tf.memory().numDataBuffers;

const report: TrainingReport = {
  backendInfo,
  trainExamples: data.train.count,
  stepMs,
  epochMs,
  tailMs,
  tensors,
  dataBuffers,
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
};
console.log(JSON.stringify(report));

/** The naive route: the same model compiled and trained by tfjs-layers' own `fit`. */
async function fitWithLayers({ train: split, test }: DatasetSplits): Promise<LayersModel> {
  const toTensors = (s: typeof split) => ({
    x: tf.tensor3d(Float32Array.from(s.images), [s.count, 28, 28]),
    y: tf.cast(tf.oneHot(tf.tensor1d(s.labels, 'int32'), 10), 'float32') as tf.Tensor2D,
  });
  const trainSet = toTensors(split);
  const testSet = toTensors(test);
  const layersModel = buildModel(BENCH_SPEC);
  layersModel.compile({ optimizer: tf.train.adam(BENCH_SPEC.learningRate, 0.9, 0.999, 1e-7), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  let epochStart = 0;
  await layersModel.fit(trainSet.x, trainSet.y, {
    batchSize: BENCH_SPEC.batchSize,
    epochs: run.epochs,
    shuffle: true,
    validationData: [testSet.x, testSet.y],
    verbose: 0,
    callbacks: {
      onEpochBegin: () => void (epochStart = performance.now()),
      onBatchBegin: () => void boundaries.push(performance.now()),
      onEpochEnd: () => endEpoch(performance.now() - epochStart),
    },
  });
  tf.dispose([trainSet.x, trainSet.y, testSet.x, testSet.y]);
  layersModel.optimizer.dispose(); // compile() handed it over; train() disposes its own the same way
  return layersModel;
}
