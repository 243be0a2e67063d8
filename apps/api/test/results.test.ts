import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import {
  CLASS_NAMES,
  experimentSpecSchema,
  LOCAL_TENANT,
  IMAGE_SIDE,
  IMAGE_SIZE,
  MAX_PREDICTION_IMAGES,
  NUM_CLASSES,
  type EpochMetrics,
  type Evaluation,
} from '@lab/contracts';
import { buildModel, initBackend, predictProbabilities, serializeModel } from '@lab/trainer';
import { StoredRuns, syntheticEpoch as epoch } from './stored-runs.ts';
import { startTestApp, type TestApp } from './test-app.ts';

type LayersModel = ReturnType<typeof buildModel>;

let ctx: TestApp;
let runs: StoredRuns;
const http = () => request(ctx.app.server);

const TEST_EXAMPLES = 25;
const spec = { ...experimentSpecSchema.parse({ lambda: 1e-3, epochs: 3, hiddenLayers: [16] }), seed: 11 };

const createExperiment = () => runs.submit(spec);
const recordEpoch = (id: string, n: number) => runs.recordEpochs(id, [n]);

const split = (accuracy: number) => ({ loss: 0.4, accuracy, crossEntropy: 0.35, penalty: 0.05, examples: TEST_EXAMPLES });
const evaluation: Evaluation = {
  train: split(0.9),
  test: split(0.8),
  confusionMatrix: CLASS_NAMES.map((_, row) => CLASS_NAMES.map((__, column) => (row === column ? 2 : 0))),
  perClassAccuracy: CLASS_NAMES.map((className, classIndex) => ({ classIndex, className, accuracy: 1, support: 2 })),
  evaluationBatchSize: 32,
};
const storedPredictions = Array.from({ length: TEST_EXAMPLES }, (_, index) => ({
  trueClass: index % NUM_CLASSES,
  predictedClass: (index * 3) % NUM_CLASSES,
  confidence: 0.5 + index / 100,
}));

/** A completed experiment with a real (untrained) tfjs model of the experiment's architecture. */
async function createCompletedExperiment(model: LayersModel): Promise<string> {
  const id = await createExperiment();
  await recordEpoch(id, 1);
  await runs.complete(id, { evaluation, predictions: storedPredictions, model: await serializeModel(model) });
  return id;
}

/** Pixels 0–255 that differ from image to image and from pixel to pixel, so any reordering shows. */
function image(seed: number): number[] {
  return Array.from({ length: IMAGE_SIZE }, (_, pixel) => (pixel * 37 + seed * 101) % 256);
}
const rows = (flat: number[]): number[][] =>
  Array.from({ length: IMAGE_SIDE }, (_, row) => flat.slice(row * IMAGE_SIDE, (row + 1) * IMAGE_SIDE));

let model: LayersModel;
let completedId: string;

before(async () => {
  ctx = await startTestApp();
  runs = new StoredRuns(ctx.app);
  await initBackend();
  model = buildModel(spec);
  completedId = await createCompletedExperiment(model);
});
after(async () => {
  runs.close();
  model.dispose();
  await ctx.close();
});

describe('GET /v1/experiments/:id/history', () => {
  test('returns the epochs in order, and only newer ones after `afterEpoch`', async () => {
    const id = await createExperiment();
    const empty = await http().get(`/v1/experiments/${id}/history`).expect(200);
    assert.deepEqual(empty.body, { experimentId: id, status: 'queued', epochs: [] });

    for (const n of [3, 1, 2]) await recordEpoch(id, n);
    const all = await http().get(`/v1/experiments/${id}/history`).expect(200);
    assert.deepEqual(all.body.epochs, [epoch(1), epoch(2), epoch(3)]);

    const newer = await http().get(`/v1/experiments/${id}/history?afterEpoch=1`).expect(200);
    assert.deepEqual(
      newer.body.epochs.map((metrics: EpochMetrics) => metrics.epoch),
      [2, 3],
    );
    const none = await http().get(`/v1/experiments/${id}/history?afterEpoch=3`).expect(200);
    assert.deepEqual(none.body.epochs, []);
  });

  test('answers 400 for a bad cursor or id and 404 for an unknown experiment', async () => {
    const id = await createExperiment();
    for (const query of ['afterEpoch=-1', 'afterEpoch=1.5', 'afterEpoch=x', 'since=1']) {
      const response = await http().get(`/v1/experiments/${id}/history?${query}`).expect(400);
      assert.equal(response.body.error.code, 'validation_error');
      assert.match(response.body.error.details[0].path, /^query\./);
    }
    await http().get(`/v1/experiments/${randomUUID()}/history`).expect(404);
    const malformed = await http().get('/v1/experiments/xyz/history').expect(400);
    assert.equal(malformed.body.error.details[0].path, 'params.id');
  });
});

describe('GET /v1/experiments/:id/evaluation', () => {
  test('returns the stored evaluation of a completed experiment', async () => {
    const response = await http().get(`/v1/experiments/${completedId}/evaluation`).expect(200);
    assert.deepEqual(response.body, { ...evaluation, experimentId: completedId });
  });

  test('answers 409 before completion and 404 for an unknown id', async () => {
    const id = await createExperiment();
    const queued = await http().get(`/v1/experiments/${id}/evaluation`).expect(409);
    assert.equal(queued.body.error.code, 'conflict');
    await ctx.app.engine.cancelExperiment(LOCAL_TENANT, id);
    await http().get(`/v1/experiments/${id}/evaluation`).expect(409);
    const unknown = await http().get(`/v1/experiments/${randomUUID()}/evaluation`).expect(404);
    assert.equal(unknown.body.error.code, 'not_found');
  });
});

describe('GET /v1/experiments/:id/predictions', () => {
  test('pages through the stored test-set predictions', async () => {
    const firstPage = await http().get(`/v1/experiments/${completedId}/predictions?limit=10`).expect(200);
    assert.equal(firstPage.body.experimentId, completedId);
    assert.equal(firstPage.body.total, TEST_EXAMPLES);
    assert.equal(firstPage.body.limit, 10);
    assert.deepEqual(
      firstPage.body.items,
      storedPredictions.slice(0, 10).map((prediction, index) => ({ index, ...prediction })),
    );
    const lastPage = await http().get(`/v1/experiments/${completedId}/predictions?offset=20&limit=10`).expect(200);
    assert.deepEqual(
      lastPage.body.items.map((item: { index: number }) => item.index),
      [20, 21, 22, 23, 24],
    );
    const defaults = await http().get(`/v1/experiments/${completedId}/predictions`).expect(200);
    assert.equal(defaults.body.limit, 150);
    assert.equal(defaults.body.items.length, TEST_EXAMPLES);
  });

  test('answers 409 before completion, 404 for an unknown id, 400 for bad paging', async () => {
    const id = await createExperiment();
    assert.equal((await http().get(`/v1/experiments/${id}/predictions`).expect(409)).body.error.code, 'conflict');
    await http().get(`/v1/experiments/${randomUUID()}/predictions`).expect(404);
    const tooMany = await http().get(`/v1/experiments/${completedId}/predictions?limit=10001`).expect(400);
    assert.equal(tooMany.body.error.details[0].path, 'query.limit');
  });
});

describe('POST /v1/experiments/:id/predictions', () => {
  test('classifies flat and 28×28 images exactly as the stored model does', async () => {
    const images = [image(1), image(2), image(3)];
    const response = await http()
      .post(`/v1/experiments/${completedId}/predictions`)
      .send({ images: [images[0], rows(images[1]!), images[2]] })
      .expect(200);
    assert.equal(response.body.experimentId, completedId);

    const expected = predictProbabilities(model, new Float32Array(images.flat()), images.length);
    assert.equal(response.body.predictions.length, images.length);
    response.body.predictions.forEach(
      (prediction: { classIndex: number; className: string; probabilities: number[] }, index: number) => {
        const want = Array.from(expected.subarray(index * NUM_CLASSES, (index + 1) * NUM_CLASSES));
        assert.equal(prediction.probabilities.length, NUM_CLASSES);
        prediction.probabilities.forEach((p, k) => assert.ok(Math.abs(p - want[k]!) < 1e-6, `image ${index} class ${k}`));
        const sum = prediction.probabilities.reduce((total, p) => total + p, 0);
        assert.ok(Math.abs(sum - 1) < 1e-5, `probabilities sum to ${sum}`);
        assert.equal(prediction.classIndex, want.indexOf(Math.max(...want)));
        assert.equal(prediction.className, CLASS_NAMES[prediction.classIndex]);
      },
    );

    // Served again from the cached model: the same answer.
    const again = await http()
      .post(`/v1/experiments/${completedId}/predictions`)
      .send({ images: [rows(images[0]!)] })
      .expect(200);
    assert.deepEqual(again.body.predictions[0], response.body.predictions[0]);
  });

  test('answers 409 without a stored model and 404 for an unknown experiment', async () => {
    const id = await createExperiment();
    const noModel = await http().post(`/v1/experiments/${id}/predictions`).send({ images: [image(1)] }).expect(409);
    assert.equal(noModel.body.error.code, 'conflict');
    const unknown = await http()
      .post(`/v1/experiments/${randomUUID()}/predictions`)
      .send({ images: [image(1)] })
      .expect(404);
    assert.equal(unknown.body.error.code, 'not_found');
  });

  test('rejects images of the wrong shape, range or count, naming the field', async () => {
    const outOfRange = image(1);
    outOfRange[5] = 256;
    const cases: Array<[unknown, string]> = [
      [{ images: [] }, 'body.images'],
      [{ images: [image(1).slice(1)] }, 'body.images[0]'],
      [{ images: [image(1), outOfRange] }, 'body.images[1][5]'],
      [{ images: [rows(image(1)).slice(1)] }, 'body.images[0]'],
      [{ images: Array.from({ length: MAX_PREDICTION_IMAGES + 1 }, () => image(0)) }, 'body.images'],
      [{ images: [image(1)], threshold: 0.5 }, 'body.threshold'],
      [{ image: image(1) }, 'body.image'],
    ];
    for (const [body, path] of cases) {
      const response = await http().post(`/v1/experiments/${completedId}/predictions`).send(body as object).expect(400);
      assert.equal(response.body.error.code, 'validation_error');
      assert.ok(
        response.body.error.details.some((detail: { path: string }) => detail.path === path),
        `${path} in ${JSON.stringify(response.body.error.details)}`,
      );
    }
    await http()
      .post(`/v1/experiments/${completedId}/predictions`)
      .set('content-type', 'text/plain')
      .send('1,2,3')
      .expect(415);
  });
});
