import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '@lab/contracts';
import { ActivityRegularization, buildModel, initBackend, loadModel, regularizationLayers, serializeModel } from '../src/index.ts';

before(async () => {
  await initBackend('wasm');
});

describe('ActivityRegularization', () => {
  it('is the identity and adds λ·Σa² over the whole batch and every unit', () => {
    const layer = new ActivityRegularization({ lambda: 0.5 });
    const x = tf.tensor2d([
      [1, 2],
      [3, -4],
    ]);
    const y = layer.apply(x) as tf.Tensor;
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, -4]);
    const [loss, ...others] = layer.calculateLosses();
    assert.equal(others.length, 0);
    assert.equal(loss?.dataSync()[0], 0.5 * (1 + 4 + 9 + 16));
    assert.deepEqual(Array.from(layer.penaltyPerExample().dataSync()), [0.5 * 5, 0.5 * 25]);
    tf.dispose([x, y, loss!]);
    layer.dispose();
  });

  it('adds nothing when λ = 0', () => {
    const layer = new ActivityRegularization({ lambda: 0 });
    const x = tf.tensor2d([[5, -6, 7]]);
    const y = layer.apply(x) as tf.Tensor;
    assert.deepEqual(Array.from(y.dataSync()), [5, -6, 7]);
    assert.equal(layer.calculateLosses()[0]?.dataSync()[0], 0);
    tf.dispose([x, y]);
  });

  it("differentiates the penalty to the same bits as tfjs' own gradient of λ·Σa²", () => {
    const lambda = 1e-3;
    const next = mulberry32(3);
    const a = tf.tensor2d(Float32Array.from({ length: 64 * 33 }, () => next() * 4 - 2), [64, 33]);
    const layer = new ActivityRegularization({ lambda });
    const viaLayer = tf.grad((x: tf.Tensor) => {
      tf.dispose(layer.apply(x) as tf.Tensor);
      return layer.penalty();
    })(a);
    const viaTfjs = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(lambda, tf.sum(tf.square(x), 1))))(a);
    assert.ok(viaTfjs.dataSync().some((v) => v !== 0));
    assert.deepEqual(viaLayer.dataSync(), viaTfjs.dataSync());
    tf.dispose([a, viaLayer, viaTfjs]);
    layer.dispose();
  });

  it('rejects a negative or non-finite λ', () => {
    assert.throws(() => new ActivityRegularization({ lambda: -1 }), /lambda/);
    assert.throws(() => new ActivityRegularization({ lambda: Number.NaN }), /lambda/);
  });

  it("sends the penalty's gradient to the Dense weights before it, in proportion to λ", () => {
    const images = tf.randomUniform([4, 28, 28], 0, 255, 'float32', 3);
    const penaltyGradientNorm = (lambda: number) => {
      const model = buildModel({ lambda, hiddenLayers: [8, 4], seed: 11 });
      const firstKernel = model.trainableWeights[0]!.read() as tf.Variable;
      const { value, grads } = tf.variableGrads(() => {
        model.apply(images, { training: true });
        return tf.addN(model.calculateLosses()) as tf.Scalar;
      }, [firstKernel]);
      const norm = tf.norm(grads[firstKernel.name]!).dataSync()[0]!;
      tf.dispose([value, ...Object.values(grads)]);
      model.dispose();
      return norm;
    };
    const unit = penaltyGradientNorm(1e-3);
    assert.ok(unit > 0, 'the penalty must reach the first Dense kernel');
    assert.ok(Math.abs(penaltyGradientNorm(2e-3) / unit - 2) < 1e-4, 'the gradient scales with λ');
    images.dispose();
  });
});

describe('model serialisation', () => {
  it('save → load keeps the architecture, λ and predictions identical', async () => {
    const model = buildModel({ lambda: 1e-4, hiddenLayers: [16, 8], seed: 5 });
    const images = tf.randomUniform([3, 28, 28], 0, 255, 'float32', 9);
    const before = (model.predict(images) as tf.Tensor).dataSync();

    const restored = await loadModel(await serializeModel(model));
    const after = (restored.predict(images) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(after), Array.from(before));
    assert.deepEqual(
      regularizationLayers(restored).map((layer) => layer.lambda),
      [1e-4, 1e-4],
    );
    assert.equal(restored.countParams(), model.countParams());
    tf.dispose([images]);
    model.dispose();
    restored.dispose();
  });

  it('builds the seed network: 535,818 parameters, glorot-uniform kernels, zero biases', () => {
    const model = buildModel({ lambda: 1e-5, hiddenLayers: [512, 256], seed: 1 });
    assert.equal(model.countParams(), 535_818);
    const [kernel, bias] = model.getWeights();
    const limit = Math.sqrt(6 / (784 + 512));
    const values = kernel!.dataSync();
    assert.ok(values.every((v) => Math.abs(v) <= limit), 'glorot-uniform stays within ±sqrt(6/(in+out))');
    assert.ok(Math.max(...values.slice(0, 10_000)) > limit * 0.9, 'uniform, not normal: values reach the limit');
    assert.ok(bias!.dataSync().every((v) => v === 0));
    model.dispose();
  });
});
