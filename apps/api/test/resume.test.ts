import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { trainJobId, type ErrorBody, type Experiment } from '@lab/contracts';
import { buildModel, initBackend, serializeModel } from '@lab/trainer';
import { StoredRuns, SYNTHETIC_EVALUATION } from './stored-runs.ts';
import { startTestApp, type TestApp } from './test-app.ts';

/** POST /v1/experiments/:id/resume through the real engine, with keys of two tenants. */
const OWNER = 'resume-owner';
let ctx: TestApp;
let runs: StoredRuns;
let ownerKey: string;
let strangerKey: string;
const spec = { lambda: 1e-3, epochs: 2, hiddenLayers: [8], seed: 3 };
const image = Array.from({ length: 784 }, (_, pixel) => (pixel * 31) % 256);

const as = (key: string) => ({
  post: (path: string, body: object) => request(ctx.app.server).post(path).set('authorization', `Bearer ${key}`).send(body),
  get: (path: string) => request(ctx.app.server).get(path).set('authorization', `Bearer ${key}`),
});
const resume = (id: string, body: object, key = ownerKey) => as(key).post(`/v1/experiments/${id}/resume`, body);
/** Completes a run with a real model whose weights come from `seed`. */
async function complete(id: string, epochs: number[], seed: number): Promise<void> {
  await runs.recordEpochs(id, epochs);
  const model = buildModel({ ...spec, seed });
  await runs.complete(id, { evaluation: SYNTHETIC_EVALUATION, predictions: [], model: await serializeModel(model) });
  model.dispose();
}
const probabilities = async (id: string): Promise<number[]> =>
  (await as(ownerKey).post(`/v1/experiments/${id}/predictions`, { images: [image] }).expect(200)).body.predictions[0].probabilities;
function assertField(body: ErrorBody, path: string, message: RegExp): void {
  assert.equal(body.error.code, 'validation_error');
  assert.equal(body.error.details?.length, 1, JSON.stringify(body));
  assert.equal(body.error.details?.[0]?.path, path);
  assert.match(body.error.details?.[0]?.message ?? '', message);
}

before(async () => {
  ctx = await startTestApp({ AUTH: 'enabled', RATE_LIMIT_MAX: '10000000' });
  runs = new StoredRuns(ctx.app);
  ownerKey = await ctx.createKey(OWNER);
  strangerKey = await ctx.createKey('someone-else');
  await initBackend();
});
after(async () => {
  runs.close();
  await ctx.close();
});

describe('POST /v1/experiments/:id/resume', () => {
  test('queues a completed run to train on to `epochs`; its results and model are replaced when it completes again', async () => {
    const id = await runs.submit(spec, OWNER);
    await complete(id, [1, 2], 1);
    const before = await probabilities(id);

    const { body } = await resume(id, { epochs: 4 }).expect(202);
    const resumed = body as Experiment;
    assert.equal(resumed.status, 'queued');
    assert.equal(resumed.spec.epochs, 4);
    assert.deepEqual(resumed.progress, { epoch: 2, epochs: 4 });
    assert.equal(resumed.results, null);
    assert.deepEqual(resumed.resumes.map(({ status, epochsDone, spec: { epochs } }) => ({ status, epochsDone, epochs })), [{ status: 'completed', epochsDone: 2, epochs: 2 }]);
    assert.ok(['waiting', 'prioritized'].includes(await ctx.app.trainingQueue.queue.getJobState(trainJobId(id))), 'the run has a job again');
    await as(ownerKey).get(`/v1/experiments/${id}/model/model.json`).expect(409);
    await as(ownerKey).post(`/v1/experiments/${id}/predictions`, { images: [image] }).expect(409);
    await resume(id, { epochs: 5 }).expect(409);

    await complete(id, [3, 4], 2);
    const { body: done } = await as(ownerKey).get(`/v1/experiments/${id}`).expect(200);
    assert.equal(done.status, 'completed');
    assert.equal(done.results.epoch, 4);
    const after = await probabilities(id);
    assert.notDeepEqual(after, before, 'predictions come from the new model, not a cached old one');
  });

  test('epochs must be more than the epochs trained, and a whole number of them: a 400 naming `epochs`', async () => {
    const id = await runs.submit(spec, OWNER);
    await complete(id, [1, 2], 1);
    assertField((await resume(id, { epochs: 2 }).expect(400)).body, 'body.epochs', /more than the 2 epochs the run has already trained/);
    assertField((await resume(id, { epochs: 1 }).expect(400)).body, 'body.epochs', /more than the 2 epochs/);
    for (const body of [{}, { epochs: 0 }, { epochs: 2.5 }, { epochs: 501 }, { epochs: '3' }]) {
      assertField((await resume(id, body).expect(400)).body, 'body.epochs', /./);
    }
    assertField((await resume(id, { epochs: 3, lambda: 0 }).expect(400)).body, 'body.lambda', /unknown field/);
    assert.equal((await as(ownerKey).get(`/v1/experiments/${id}`).expect(200)).body.status, 'completed', 'nothing changed');
  });

  test('409 for a queued, running or failed run; 404 for an unknown id and another tenant\'s run, alike', async () => {
    const queued = await runs.submit(spec, OWNER);
    assert.match((await resume(queued, { epochs: 3 }).expect(409)).body.error.message, /this one is queued/);
    const running = await runs.submit(spec, OWNER);
    await runs.recordEpochs(running, [1]);
    assert.match((await resume(running, { epochs: 3 }).expect(409)).body.error.message, /this one is running/);
    const failed = await runs.submit(spec, OWNER);
    await runs.fail(failed, 'out of memory');
    assert.match((await resume(failed, { epochs: 3 }).expect(409)).body.error.message, /this one is failed/);

    const completed = await runs.submit(spec, OWNER);
    await complete(completed, [1, 2], 1);
    const foreign = await resume(completed, { epochs: 3 }, strangerKey).expect(404);
    const unknown = await resume('00000000-0000-4000-8000-000000000000', { epochs: 3 }).expect(404);
    assert.deepEqual(foreign.body, unknown.body);
    assert.equal((await as(ownerKey).get(`/v1/experiments/${completed}`).expect(200)).body.status, 'completed', 'the stranger changed nothing');
    await request(ctx.app.server).post(`/v1/experiments/${completed}/resume`).send({ epochs: 3 }).expect(401);
  });
});
