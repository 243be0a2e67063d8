import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariableMap } from '@tensorflow/tfjs-core/dist/tensor_types';
import type { EpochMetrics } from '@lab/contracts';
import { IMAGE_SIZE, mulberry32 } from '@lab/contracts';
import { initBackend, setSmallKernels, smallKernelsEnabled, train } from '../src/index.ts';
import { createAdam, restoreAdamState, saveAdamState } from '../src/optimizer.ts';
import { native, setNative } from '../src/native.ts';
import { syntheticSplit } from './fixtures.ts';
import { BatchAssembler } from '../src/data.ts';
import { permutation } from '../src/random.ts';
import { nativeKernelsHere, skipWithoutNativeKernels } from './native-availability.ts';

function randomValues(size: number, seed: number, scale = 1): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: size }, () => (next() * 2 - 1) * scale);
}

/** The values `compute` returns with the small kernels on or off. */
function withSmallKernels(enabled: boolean, compute: () => tf.Tensor): Float32Array {
  setSmallKernels(enabled);
  return tf.tidy(() => compute().dataSync() as Float32Array);
}

before(async () => {
  await initBackend('wasm');
});
after(() => setSmallKernels(true));

describe('small wasm kernels', () => {
  it('are on once wasm is selected, and can be switched', () => {
    assert.equal(smallKernelsEnabled(), true);
    setSmallKernels(false);
    assert.equal(smallKernelsEnabled(), false);
    setSmallKernels(true);
    assert.equal(smallKernelsEnabled(), true);
  });

  it('clone and same-type cast share memory (no new buffer) and keep the values; other casts convert', () => {
    setSmallKernels(true);
    const x = tf.tensor2d(randomValues(12, 1), [3, 4]);
    const buffers = tf.memory().numDataBuffers;
    const copy = tf.clone(x);
    const cast = tf.cast(x, 'float32');
    assert.equal(tf.memory().numDataBuffers, buffers);
    x.dispose();
    assert.deepEqual(copy.dataSync(), cast.dataSync());
    const truncated = tf.cast(tf.tensor1d([1.7, -2.2]), 'int32');
    assert.deepEqual(Array.from(truncated.dataSync()), [1, -2]);
    assert.equal(truncated.dtype, 'int32');
    tf.dispose([copy, cast, truncated]);
  });

  it('native: sums over leading axes (bias gradients) are bit-identical to the wasm Sum kernel; other sums unchanged', { skip: skipWithoutNativeKernels }, () => {
    const cases: { shape: number[]; axis: number | number[]; keepDims?: boolean }[] = [
      { shape: [1024, 512], axis: 0 },
      { shape: [1024, 10], axis: [0], keepDims: true },
      { shape: [3, 5, 7], axis: [0, 1] },
      { shape: [3, 5, 7], axis: [1, 0], keepDims: true },
      { shape: [64, 33], axis: 1 },
      { shape: [3, 5, 7], axis: [0, 2] },
      { shape: [6, 4], axis: [0, 1] },
    ];
    for (const { shape, axis, keepDims } of cases) {
      const x = tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), 2, 100), shape);
      const stock = withSmallKernels(false, () => tf.sum(x, axis, keepDims));
      const shapeOff = tf.tidy(() => tf.sum(x, axis, keepDims).shape);
      const fused = withSmallKernels(true, () => tf.sum(x, axis, keepDims));
      const shapeOn = tf.tidy(() => tf.sum(x, axis, keepDims).shape);
      assert.deepEqual(fused, stock, `${JSON.stringify(shape)} over ${JSON.stringify(axis)}`);
      assert.deepEqual(shapeOn, shapeOff);
      x.dispose();
    }
  });

  it('native: elementwise kernels of large tensors (add, multiply with each broadcast, relu, step, square) give the wasm kernels\' bits, on any thread count', { skip: skipWithoutNativeKernels }, () => {
    // Ordinary values and the edge cases where implementations differ: ±0, ±∞, NaN, subnormals.
    const special = [0, -0, Infinity, -Infinity, Number.NaN, 1e-45, -1e-45, 3.4e38];
    const values = (size: number, seed: number) => {
      const v = randomValues(size, seed, 10);
      special.forEach((s, i) => (v[(i * 7919) % size] = s));
      return v;
    };
    // A tensor of one block, and one of 17 blocks that end mid-row and above a million elements,
    // the size from which the kernels start a second thread.
    const inputs = [[300, 128], [1100, 1001]].map(([rows, columns], i) => tf.tensor2d(values(rows! * columns!, 5 + i), [rows!, columns!]));
    const cases: [string, () => tf.Tensor][] = inputs.flatMap((x) => {
      const [rows, columns] = x.shape;
      const shaped = (name: string, compute: () => tf.Tensor): [string, () => tf.Tensor] => [`${name} (${rows}×${columns})`, compute];
      return [
        shaped('add same shape', () => tf.add(x, tf.tensor2d(values(rows * columns, 6), [rows, columns]))),
        shaped('multiply same shape', () => tf.mul(tf.tensor2d(values(rows * columns, 7), [rows, columns]), x)),
        shaped('add a bias row', () => tf.add(x, tf.tensor1d(values(columns, 8)))),
        shaped('multiply by a scalar', () => tf.mul(x, tf.scalar(-0.3))),
        shaped('multiply by a column', () => tf.mul(tf.tensor2d(values(rows, 9), [rows, 1]), x)),
        shaped('add a scalar first', () => tf.add(tf.scalar(2.5), x)),
        shaped('relu', () => tf.relu(x)),
        shaped('step', () => tf.step(x)),
        shaped('step with alpha', () => tf.step(x, 0.25)),
        shaped('square', () => tf.square(x)),
      ];
    });
    const selected = native()!;
    try {
      for (const [name, compute] of cases) {
        const stock = withSmallKernels(false, compute);
        for (const threads of [1, 2]) {
          setNative({ ...selected, threads });
          const replaced = withSmallKernels(true, compute);
          assert.deepEqual(replaced, stock, `${name}, ${threads} thread(s)`);
        }
      }
    } finally {
      setNative(selected);
      setSmallKernels(true);
      tf.dispose(inputs);
    }
  });

  it('native: a batch gathered from the uint8 dataset holds its rows in order as floats, and rows outside the source are refused', { skip: skipWithoutNativeKernels }, () => {
    const split = syntheticSplit(300, 5);
    const order = permutation(300, 7);
    const { x, y } = new BatchAssembler(64).gather(split, order, 100, 164);
    const expected = new Float32Array(64 * IMAGE_SIZE);
    for (let row = 0; row < 64; row++) expected.set(split.images.subarray(order[100 + row]! * IMAGE_SIZE, (order[100 + row]! + 1) * IMAGE_SIZE), row * IMAGE_SIZE);
    assert.deepEqual(x.dataSync(), expected);
    tf.dispose([x, y]);
    const kernels = native()!.kernels;
    assert.throws(() => kernels.gatherRows(new Float32Array(IMAGE_SIZE), split.images, Uint32Array.of(300), 0, 1, IMAGE_SIZE), RangeError);
    assert.throws(() => kernels.gatherRows(new Float32Array(IMAGE_SIZE), split.images, order, 299, 2, IMAGE_SIZE), RangeError);
    assert.throws(() => kernels.gatherRows(new Float32Array(IMAGE_SIZE - 1), split.images, order, 0, 1, IMAGE_SIZE), RangeError);
  });

  it('Adam: weights, moments and saved state are bit-identical to tf.train.adam (on 1 or 2 threads), and a restored optimizer goes on identically', async () => {
    // The first variable is large enough (above 262 144 elements) for the update to use 2 threads.
    const shapes = [[784, 384], [384], [384, 10]];
    const steps = 6;
    const run = async (enabled: boolean, restartAt: number | null) => {
      setSmallKernels(enabled);
      const variables = shapes.map((shape, i) => tf.variable(tf.tensor(randomValues(tf.util.sizeFromShape(shape), 10 + i), shape), true, `w${i}-${enabled}-${restartAt}`));
      let optimizer = createAdam(0.01);
      for (let step = 0; step < steps; step++) {
        if (step === restartAt) {
          const state = await saveAdamState(optimizer);
          optimizer.dispose();
          optimizer = createAdam(0.01);
          await restoreAdamState(optimizer, state);
        }
        const grads = Object.fromEntries(variables.map((v, i) => [v.name, tf.tensor(randomValues(v.size, 100 * step + i, 0.5), v.shape)]));
        optimizer.applyGradients(grads as NamedVariableMap);
        tf.dispose(Object.values(grads));
      }
      const state = await saveAdamState(optimizer);
      const weights = variables.map((v) => Array.from(v.dataSync()));
      optimizer.dispose();
      tf.dispose(variables);
      return { weights, state: Array.from(state.data) };
    };
    const stock = await run(false, null);
    const fused = await run(true, null);
    const resumed = await run(true, 3);
    const selected = native();
    if (selected !== null) setNative({ ...selected, threads: 2 });
    const twoThreads = await run(true, null).finally(() => selected !== null && setNative(selected));
    assert.ok(stock.weights[0]!.some((w, i) => w !== randomValues(784 * 384, 10)[i]), 'the weights moved');
    assert.deepEqual(fused.weights, stock.weights);
    assert.deepEqual(fused.state, stock.state);
    assert.deepEqual(resumed.weights, stock.weights);
    assert.deepEqual(twoThreads, fused);
  });

  it(`train() gives the same bits with the small kernels (penalty gradient included) on and off (${nativeKernelsHere ? 'native' : 'fallback'} path)`, async () => {
    const runEpochs = async (enabled: boolean) => {
      setSmallKernels(enabled);
      const epochs: Omit<EpochMetrics, 'durationMs'>[] = [];
      const outcome = await train({
        spec: { lambda: 1e-4, epochs: 2, batchSize: 64, learningRate: 0.01, hiddenLayers: [32, 16], seed: 5 },
        data: { train: syntheticSplit(256, 1), test: syntheticSplit(96, 2) },
        onEpoch: ({ durationMs: _wallTime, ...metrics }) => void epochs.push(metrics),
      });
      const weights = outcome.model.getWeights().map((w) => Array.from(w.dataSync()));
      outcome.model.dispose();
      return { epochs, weights };
    };
    const off = await runEpochs(false);
    const on = await runEpochs(true);
    assert.equal(on.epochs.length, 2);
    assert.deepEqual(on, off);
  });
});
