import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariableMap } from '@tensorflow/tfjs-core/dist/tensor_types';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Checkpoint, DatasetSplits, EpochMetrics } from '@lab/contracts';
import { BatchAssembler } from './data.ts';
import { scanSplit } from './evaluate.ts';
import { categoricalCrossEntropyPerExample, correctPerExample } from './losses.ts';
import { buildModel } from './model.ts';
import { releaseFreedMemory } from './native.ts';
import { createAdam, restoreAdamState, saveAdamState } from './optimizer.ts';
import { SEED_PURPOSE, deriveSeed, permutation } from './random.ts';
import { decodeTensors, encodeTensors } from './serialize.ts';

export interface TrainingSpec {
  lambda: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  hiddenLayers: readonly number[];
  seed: number;
}

export interface TrainOptions {
  spec: TrainingSpec;
  data: DatasetSplits;
  resumeFrom?: Checkpoint | null;
  /** Called after every epoch; training waits for it, so a checkpoint is durable before the next epoch. */
  onEpoch: (metrics: EpochMetrics, checkpoint: Checkpoint) => Promise<void> | void;
  /** Polled at every batch boundary; true abandons the current epoch (it is redone on resume). */
  shouldStop?: () => boolean;
}

export interface TrainOutcome {
  status: 'completed' | 'stopped';
  epochsDone: number;
  /** The trained model; the caller owns it and must dispose it. */
  model: LayersModel;
}

/**
 * Steps between two returns of the C allocator's free pages (a few microseconds each when there is
 * little to give back). V8's compiler threads fill their arenas while the first epoch warms up the
 * JIT; given back only at epochs' ends, that memory sat on top of the first epoch's peak.
 */
const RELEASE_MEMORY_EVERY_STEPS = 8;

/**
 * The seed's `fit`: shuffled mini-batches, Adam on cross-entropy + activity penalties, and after each
 * epoch a validation pass on the test split. Epoch k's shuffle is derived from (seed, k), not from a
 * running generator, so a run resumed from epoch k's checkpoint replays the same batches.
 */
export async function train(options: TrainOptions): Promise<TrainOutcome> {
  const { spec, data } = options;
  const model = buildModel(spec);
  const optimizer = createAdam(spec.learningRate);
  let epochsDone = 0;
  if (options.resumeFrom) {
    const weights = decodeTensors(options.resumeFrom.weights);
    model.setWeights(weights.map((w) => w.tensor));
    tf.dispose(weights.map((w) => w.tensor));
    await restoreAdamState(optimizer, options.resumeFrom.optimizer);
    epochsDone = options.resumeFrom.epoch;
  }

  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const assembler = new BatchAssembler(Math.min(spec.batchSize, data.train.count));
  const n = data.train.count;

  try {
    for (let epoch = epochsDone + 1; epoch <= spec.epochs; epoch++) {
      const started = performance.now();
      const order = permutation(n, deriveSeed(spec.seed, SEED_PURPOSE.shuffle, epoch));
      // Batch-size weighted sums, as Keras 3 averages its loss and metric trackers.
      let lossSum = 0;
      let crossEntropySum = 0;
      let penaltySum = 0;
      let correct = 0;
      for (let start = 0, step = 1; start < n; start += spec.batchSize, step++) {
        if (options.shouldStop?.()) return { status: 'stopped', epochsDone: epoch - 1, model };
        if (step % RELEASE_MEMORY_EVERY_STEPS === 0) releaseFreedMemory();
        const end = Math.min(n, start + spec.batchSize);
        const size = end - start;
        const { x, y } = assembler.gather(data.train, order, start, end);
        let stats: tf.Tensor1D | null = null;
        const { value, grads } = optimizer.computeGradients(() => {
          const probabilities = model.apply(x, { training: true }) as tf.Tensor2D;
          const crossEntropy = tf.mean(categoricalCrossEntropyPerExample(y, probabilities));
          const penalties = model.calculateLosses();
          const penalty = penalties.length > 0 ? tf.addN(penalties) : tf.scalar(0);
          stats = tf.keep(tf.stack([crossEntropy, penalty, tf.sum(correctPerExample(y, probabilities))]) as tf.Tensor1D);
          return tf.add(crossEntropy, penalty) as tf.Scalar;
        }, variables);
        optimizer.applyGradients(grads as NamedVariableMap);
        const [crossEntropy, penalty, batchCorrect] = (stats as tf.Tensor1D | null)?.dataSync() ?? [];
        tf.dispose([x, y, value, stats, ...Object.values(grads)].filter((t): t is tf.Tensor => t !== null));
        crossEntropySum += size * crossEntropy!;
        penaltySum += size * penalty!;
        lossSum += size * (crossEntropy! + penalty!);
        correct += batchCorrect!;
      }

      // Keras validates with validation_batch_size = batch_size: the penalty is grouped the same way.
      const validation = scanSplit(model, data.test, spec.batchSize).score;
      const metrics: EpochMetrics = {
        epoch,
        loss: lossSum / n,
        accuracy: correct / n,
        crossEntropy: crossEntropySum / n,
        penalty: penaltySum / n,
        valLoss: validation.loss,
        valAccuracy: validation.accuracy,
        valCrossEntropy: validation.crossEntropy,
        valPenalty: validation.penalty,
        durationMs: performance.now() - started,
      };
      // An epoch's end is the worker's peak (the checkpoint's buffers and their copies on the way to
      // the database): what the allocator holds free goes back first.
      releaseFreedMemory();
      const checkpoint: Checkpoint = {
        epoch,
        weights: encodeTensors(model.getWeights().map((tensor, i) => ({ name: `w${i}`, tensor }))),
        optimizer: await saveAdamState(optimizer),
      };
      epochsDone = epoch;
      await options.onEpoch(metrics, checkpoint);
    }
    return { status: 'completed', epochsDone, model };
  } finally {
    optimizer.dispose();
  }
}
