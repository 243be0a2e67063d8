import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { CLASS_NAMES, NUM_CLASSES, type EpochMetrics } from '@lab/contracts';
import { startStack, waitFor, type Stack } from './harness.ts';

/** A tiny but real run: 2 epochs on 1 000 training and 500 test images of the real dataset. */
const tinyExperiment = { lambda: 1e-4, epochs: 2, batchSize: 128, hiddenLayers: [32, 16], trainLimit: 1000, testLimit: 500, seed: 1 };

describe('experiment end to end: API → queue → worker → Postgres', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
    stack.startWorker();
  });
  after(async () => {
    await stack.close();
  });

  const api = () => request(stack.app.server);

  async function submitAndWait(body: object): Promise<string> {
    const created = await api().post('/v1/experiments').send(body).expect(202);
    const id = created.body.id as string;
    await waitFor(async () => {
      const { body: experiment } = await api().get(`/v1/experiments/${id}`).expect(200);
      if (experiment.status === 'failed') throw new Error(`run failed: ${experiment.error}`);
      return experiment.status === 'completed' ? experiment : undefined;
    }, 'the run to complete');
    return id;
  }

  it('trains a submitted experiment and serves its history, evaluation and predictions', async () => {
    const id = await submitAndWait({ ...tinyExperiment, name: 'e2e' });

    const { body: experiment } = await api().get(`/v1/experiments/${id}`).expect(200);
    assert.equal(experiment.status, 'completed');
    assert.deepEqual(experiment.progress, { epoch: 2, epochs: 2 });
    assert.equal(experiment.backend, 'wasm');
    assert.equal(experiment.dataset.source, 'npm-package');
    assert.match(experiment.dataset.version, /^[0-9a-f]{64}$/);
    assert.ok(experiment.startedAt && experiment.finishedAt);

    const { body: history } = await api().get(`/v1/experiments/${id}/history`).expect(200);
    const epochs = history.epochs as EpochMetrics[];
    assert.deepEqual(epochs.map((e) => e.epoch), [1, 2]);
    for (const e of epochs) {
      assert.ok(Math.abs(e.loss - (e.crossEntropy + e.penalty)) < 1e-6);
      assert.ok(e.valAccuracy > 0.1, 'better than chance on real data');
    }
    const { body: newer } = await api().get(`/v1/experiments/${id}/history?afterEpoch=1`).expect(200);
    assert.deepEqual(newer.epochs, [epochs[1]]);

    const { body: evaluation } = await api().get(`/v1/experiments/${id}/evaluation`).expect(200);
    assert.equal(evaluation.train.examples, 1000);
    assert.equal(evaluation.test.examples, 500);
    assert.equal(evaluation.test.accuracy, experiment.results.testAccuracy);
    assert.equal(evaluation.test.accuracy, epochs[1]!.valAccuracy, 'final validation accuracy is the test accuracy');
    const confusionTotal = (evaluation.confusionMatrix as number[][]).flat().reduce((a, b) => a + b, 0);
    assert.equal(confusionTotal, 500);
    assert.equal(evaluation.perClassAccuracy.length, NUM_CLASSES);

    const { body: stored } = await api().get(`/v1/experiments/${id}/predictions?limit=150`).expect(200);
    assert.equal(stored.total, 500);
    assert.equal(stored.items.length, 150);
    const correct = (stored.items as { trueClass: number; predictedClass: number }[]).filter((p) => p.trueClass === p.predictedClass).length;
    assert.ok(correct > 15, 'stored predictions beat chance');

    for (const name of ['loss', 'accuracy'] as const) {
      const plot = await api().get(`/v1/experiments/${id}/plots/${name}.svg`).expect(200);
      assert.match(plot.headers['content-type']!, /^image\/svg\+xml/);
      const svg = String(plot.body); // supertest buffers image/* bodies
      assert.match(svg, /^<svg/);
      for (const e of epochs) {
        const label = name === 'loss' ? `loss (cross-entropy + penalty): ${e.valLoss.toFixed(4)}` : `accuracy: ${e.valAccuracy.toFixed(4)}`;
        assert.ok(svg.includes(`Epoch ${e.epoch}, validation ${label}`), `${name}.svg plots epoch ${e.epoch}`);
      }
    }
    const predictionsPlot = await api().get(`/v1/experiments/${id}/plots/predictions.svg?limit=20`).expect(200);
    assert.equal(String(predictionsPlot.body).match(/Test image \d+: predicted class/g)?.length, 20);

    const image = Array.from({ length: 784 }, (_, i) => (i * 37) % 256);
    const grid = Array.from({ length: 28 }, (_, row) => image.slice(row * 28, row * 28 + 28));
    const { body: predicted } = await api()
      .post(`/v1/experiments/${id}/predictions`)
      .send({ images: [image, grid] })
      .expect(200);
    assert.equal(predicted.predictions.length, 2);
    for (const prediction of predicted.predictions) {
      assert.equal(prediction.probabilities.length, NUM_CLASSES);
      const sum = (prediction.probabilities as number[]).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `probabilities sum to ${sum}`);
      assert.equal(prediction.className, CLASS_NAMES[prediction.classIndex]);
      assert.equal(prediction.classIndex, (prediction.probabilities as number[]).indexOf(Math.max(...prediction.probabilities)));
    }
    assert.deepEqual(predicted.predictions[0], predicted.predictions[1], 'flat and 28×28 forms are the same image');
  });

  it('gives the same results for the same seed', async () => {
    const first = await submitAndWait({ ...tinyExperiment, epochs: 1 });
    const second = await submitAndWait({ ...tinyExperiment, epochs: 1 });
    const strip = (body: { epochs: EpochMetrics[] }) => body.epochs.map(({ durationMs: _d, ...rest }) => rest);
    const a = await api().get(`/v1/experiments/${first}/history`).expect(200);
    const b = await api().get(`/v1/experiments/${second}/history`).expect(200);
    assert.deepEqual(strip(b.body), strip(a.body));
  });

  it('cancels a running experiment: it stops, keeps its history and ends cancelled', async () => {
    const created = await api()
      .post('/v1/experiments')
      .send({ ...tinyExperiment, epochs: 200, batchSize: 100 })
      .expect(202);
    const id = created.body.id as string;
    await waitFor(async () => {
      const { body } = await api().get(`/v1/experiments/${id}/history`).expect(200);
      return body.epochs.length >= 1 ? true : undefined;
    }, 'a first epoch');
    await api().post(`/v1/experiments/${id}/cancel`).expect(200);
    await waitFor(async () => {
      const { body } = await api().get(`/v1/experiments/${id}`).expect(200);
      return body.status === 'cancelled' ? body : undefined;
    }, 'the cancellation');
    // The worker notices within a poll, stops at a batch boundary and lets go of the job.
    const queue = stack.app.trainingQueue.queue;
    await waitFor(async () => ((await queue.getActiveCount()) === 0 ? true : undefined), 'the job to be released');
    const { body: experiment } = await api().get(`/v1/experiments/${id}`).expect(200);
    assert.equal(experiment.status, 'cancelled');
    assert.ok(experiment.progress.epoch >= 1 && experiment.progress.epoch < 200);
    const { body: history } = await api().get(`/v1/experiments/${id}/history`).expect(200);
    assert.equal(history.epochs.length, experiment.progress.epoch, 'its history is kept');
    await api().get(`/v1/experiments/${id}/evaluation`).expect(409);
  });
});
