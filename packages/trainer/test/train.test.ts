import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { Checkpoint, EpochMetrics } from '@lab/contracts';
import { buildModel, decodeTensors, encodeTensors, initBackend, scanSplit, train, warmUpTraining, type TrainingSpec } from '../src/index.ts';
import { syntheticSplit } from './fixtures.ts';

const data = { train: syntheticSplit(300, 1), test: syntheticSplit(120, 2) };
const spec: TrainingSpec = { lambda: 1e-4, epochs: 3, batchSize: 64, learningRate: 0.01, hiddenLayers: [16, 8], seed: 42 };

/** Metrics without the wall time, which is the one thing allowed to differ between runs. */
const comparable = ({ durationMs: _ignored, ...rest }: EpochMetrics) => rest;

async function runToEnd(overrides: Partial<TrainingSpec> = {}, resumeFrom: Checkpoint | null = null) {
  const epochs: EpochMetrics[] = [];
  const checkpoints: Checkpoint[] = [];
  const outcome = await train({
    spec: { ...spec, ...overrides },
    data,
    resumeFrom,
    onEpoch: (metrics, checkpoint) => {
      epochs.push(metrics);
      checkpoints.push(checkpoint);
    },
  });
  outcome.model.dispose();
  return { outcome, epochs, checkpoints };
}

before(async () => {
  await initBackend('wasm');
});

describe('train', () => {
  it('reports Keras-style epochs: loss = cross-entropy + penalty, and it learns', async () => {
    const { outcome, epochs } = await runToEnd();
    assert.equal(outcome.status, 'completed');
    assert.deepEqual(epochs.map((e) => e.epoch), [1, 2, 3]);
    for (const e of epochs) {
      assert.ok(Math.abs(e.loss - (e.crossEntropy + e.penalty)) < 1e-6);
      assert.ok(Math.abs(e.valLoss - (e.valCrossEntropy + e.valPenalty)) < 1e-6);
      assert.ok(e.penalty > 0 && e.valPenalty > 0);
      assert.ok(e.accuracy >= 0 && e.accuracy <= 1 && e.valAccuracy >= 0 && e.valAccuracy <= 1);
    }
    assert.ok(epochs[2]!.crossEntropy < epochs[0]!.crossEntropy, 'training lowers the cross-entropy');
  });

  it('with λ = 0 the penalty is exactly zero', async () => {
    const { epochs } = await runToEnd({ lambda: 0, epochs: 1 });
    assert.equal(epochs[0]!.penalty, 0);
    assert.equal(epochs[0]!.valPenalty, 0);
    assert.equal(epochs[0]!.loss, epochs[0]!.crossEntropy);
  });

  it('is repeatable for a seed and differs across seeds', async () => {
    const first = await runToEnd({ epochs: 2 });
    const second = await runToEnd({ epochs: 2 });
    const other = await runToEnd({ epochs: 2, seed: 43 });
    assert.deepEqual(second.epochs.map(comparable), first.epochs.map(comparable));
    assert.notDeepEqual(other.epochs.map(comparable), first.epochs.map(comparable));
  });

  it('trains the same figures after a warm-up in the same process as before it, and the warm-up keeps no tensor', async () => {
    const first = await runToEnd({ epochs: 2 });
    const tensors = tf.memory().numTensors;
    await warmUpTraining({ train: syntheticSplit(2048, 5), test: syntheticSplit(256, 6) });
    assert.equal(tf.memory().numTensors, tensors);
    const afterWarmUp = await runToEnd({ epochs: 2 });
    assert.deepEqual(afterWarmUp.epochs.map(comparable), first.epochs.map(comparable));
  });

  it('resumed from an epoch checkpoint, replays exactly the metrics of an uninterrupted run', async () => {
    const uninterrupted = await runToEnd();
    const resumed = await runToEnd({}, uninterrupted.checkpoints[0]!);
    assert.deepEqual(resumed.epochs.map((e) => e.epoch), [2, 3]);
    assert.deepEqual(resumed.epochs.map(comparable), uninterrupted.epochs.slice(1).map(comparable));
    assert.deepEqual(resumed.checkpoints[1]!.weights.data, uninterrupted.checkpoints[2]!.weights.data);
  });

  it('stops at a batch boundary when asked and reports the epochs it finished', async () => {
    let batches = 0;
    const epochs: number[] = [];
    const outcome = await train({
      spec,
      data,
      // 300 examples in batches of 64 is 5 batches per epoch: stop during the second epoch.
      shouldStop: () => ++batches > 7,
      onEpoch: (metrics) => {
        epochs.push(metrics.epoch);
      },
    });
    outcome.model.dispose();
    assert.equal(outcome.status, 'stopped');
    assert.equal(outcome.epochsDone, 1);
    assert.deepEqual(epochs, [1]);
  });

  it('leaks no tensors from epoch to epoch', async () => {
    const counts: number[] = [];
    const outcome = await train({ spec: { ...spec, epochs: 4 }, data, onEpoch: () => void counts.push(tf.memory().numTensors) });
    outcome.model.dispose();
    assert.equal(new Set(counts).size, 1, `tensor counts per epoch: ${counts.join(', ')}`);
  });
});

describe('scanSplit', () => {
  it('reports the penalty as Keras would for the given batch size (it sums over a batch)', () => {
    const model = buildModel({ lambda: 1e-3, hiddenLayers: [8], seed: 3 });
    const split = syntheticSplit(96, 7);
    const perExample = scanSplit(model, split, 1).score;
    const wholeSet = scanSplit(model, split, 96).score;
    const batchesOf32 = scanSplit(model, split, 32).score;
    assert.ok(Math.abs(wholeSet.penalty / perExample.penalty - 96) < 1e-3);
    assert.ok(Math.abs(batchesOf32.penalty / perExample.penalty - 32) < 1e-3);
    assert.equal(wholeSet.crossEntropy, perExample.crossEntropy);
    assert.equal(wholeSet.accuracy, perExample.accuracy);
    model.dispose();
  });

  it('reads chunks through one reused buffer: a split scanned again after a longer scan of other images gives the same figures and predictions', () => {
    const model = buildModel({ lambda: 1e-3, hiddenLayers: [8], seed: 3 });
    // Above one chunk (2048 rows) and not a multiple of it, so the last chunk is a short one.
    const split = syntheticSplit(3000, 11);
    const first = scanSplit(model, split, 32);
    scanSplit(model, syntheticSplit(5000, 12), 32);
    const again = scanSplit(model, split, 32);
    assert.deepEqual(again.score, first.score);
    assert.deepEqual(again.predicted, first.predicted);
    assert.deepEqual(again.confidence, first.confidence);
    model.dispose();
  });
});

describe('encodeTensors', () => {
  it("writes tfjs' weight encoding, read from the backend's memory, and decodes back to the same values", async () => {
    const tensors = [
      { name: 'kernel', tensor: tf.randomNormal([37, 5], 0, 1, 'float32', 3) },
      { name: 'step', tensor: tf.scalar(59, 'int32') },
      { name: 'mask', tensor: tf.tensor1d([true, false, true], 'bool') },
      { name: 'bias', tensor: tf.linspace(-1, 1, 7) },
    ];
    const expected = await tf.io.encodeWeights(tensors);
    const encoded = encodeTensors(tensors);
    assert.deepEqual(encoded.specs, expected.specs);
    assert.deepEqual(encoded.data, new Uint8Array(expected.data));
    const decoded = decodeTensors(encoded);
    assert.deepEqual(decoded.map(({ name }) => name), tensors.map(({ name }) => name));
    decoded.forEach(({ tensor }, i) => assert.deepEqual(tensor.arraySync(), tensors[i]!.tensor.arraySync()));
    tf.dispose([...tensors, ...decoded].map(({ tensor }) => tensor));
  });
});
