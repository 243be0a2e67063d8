import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { LOCAL_TENANT, SEED_SPEC, TRAIN_JOB_NAME, trainJobId, trainJobOptions, type ErrorBody } from '@lab/contracts';
import { StoredRuns } from './stored-runs.ts';
import { startTestApp, type TestApp } from './test-app.ts';

let ctx: TestApp;
let runs: StoredRuns;
const http = () => request(ctx.app.server);

before(async () => {
  ctx = await startTestApp();
  runs = new StoredRuns(ctx.app);
});
after(async () => {
  runs.close();
  await ctx.close();
});

/** What Postgres and the queue hold: a rejected request must change neither. */
async function storedState() {
  const { total } = await ctx.app.reads.experiments.list(LOCAL_TENANT, { limit: 1, offset: 0 });
  const jobs = await ctx.app.trainingQueue.queue.count();
  return { total, jobs };
}

async function submit(body: object = { lambda: 1e-5, epochs: 2 }): Promise<string> {
  const response = await http().post('/v1/experiments').send(body).expect(202);
  return response.body.id as string;
}

function assertError(body: ErrorBody, code: string, paths?: string[]): void {
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  if (paths !== undefined) assert.deepEqual(body.error.details?.map((detail) => detail.path).sort(), [...paths].sort());
}

describe('POST /v1/experiments', () => {
  test('stores the experiment with defaults, enqueues its job and answers 202 with a Location', async () => {
    const response = await http()
      .post('/v1/experiments')
      .send({ lambda: 1e-4, epochs: 3, name: 'first', trainLimit: 1000, seed: 7 })
      .expect(202)
      .expect('content-type', /application\/json/);
    const { id, status } = response.body;
    assert.equal(status, 'queued');
    assert.equal(response.headers.location, `/v1/experiments/${id}`);

    const stored = await ctx.app.reads.experiments.get(LOCAL_TENANT, id);
    assert.ok(stored);
    assert.equal(stored.status, 'queued');
    assert.equal(stored.name, 'first');
    assert.deepEqual(stored.spec, {
      lambda: 1e-4,
      epochs: 3,
      batchSize: SEED_SPEC.batchSize,
      learningRate: SEED_SPEC.learningRate,
      hiddenLayers: [...SEED_SPEC.hiddenLayers],
      name: 'first',
      trainLimit: 1000,
      seed: 7,
    });

    const job = await ctx.app.trainingQueue.queue.getJob(trainJobId(id));
    assert.ok(job, 'the training job is in the queue');
    assert.equal(job.name, TRAIN_JOB_NAME);
    assert.deepEqual(job.data, { experimentId: id, requestId: response.headers['x-request-id'] }, 'the job names the run and the request that submitted it');
    assert.equal(job.opts.attempts, trainJobOptions.attempts);
    assert.equal(await job.getState(), 'prioritized');
  });

  test('draws a seed when none is given, and stores it', async () => {
    const ids = [await submit({ lambda: 0 }), await submit({ lambda: 0 })];
    const seeds = await Promise.all(ids.map(async (id) => (await ctx.app.reads.experiments.get(LOCAL_TENANT, id))?.spec.seed));
    for (const seed of seeds) assert.ok(Number.isInteger(seed) && seed! >= 0 && seed! < 2 ** 31, `seed ${seed}`);
    assert.notEqual(seeds[0], seeds[1], 'two drawn seeds differ (a 1 in 2³¹ chance of a false alarm)');
  });

  test('rejects invalid fields with 400 naming each path, and stores nothing', async () => {
    const before = await storedState();
    const cases: Array<[object, string[]]> = [
      [{ lambda: -1 }, ['body.lambda']],
      [{}, ['body.lambda']],
      [{ lambda: 0, epochs: 0, batchSize: 1.5 }, ['body.epochs', 'body.batchSize']],
      [{ lambda: 0, learningRate: 0 }, ['body.learningRate']],
      [{ lambda: 0, hiddenLayers: [512, 0] }, ['body.hiddenLayers[1]']],
      [{ lambda: 0, colour: 'red', extra: 1 }, ['body.colour', 'body.extra']],
      [{ lambda: '1e-5' }, ['body.lambda']],
    ];
    for (const [body, paths] of cases) {
      const response = await http().post('/v1/experiments').send(body).expect(400);
      assertError(response.body, 'validation_error', paths);
    }
    const nonObject = await http().post('/v1/experiments').send([1, 2]).expect(400);
    assertError(nonObject.body, 'validation_error', ['body']);
    assert.deepEqual(await storedState(), before);
  });

  test('answers 400 for malformed JSON, 415 for other content types, 413 above the body limit', async () => {
    const before = await storedState();
    const malformed = await http()
      .post('/v1/experiments')
      .set('content-type', 'application/json')
      .send('{"lambda": 0,')
      .expect(400);
    assertError(malformed.body, 'invalid_json');

    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await http().post('/v1/experiments').set('content-type', type).send('lambda=0').expect(415);
      assertError(response.body, 'unsupported_media_type');
    }

    const tooLarge = await http()
      .post('/v1/experiments')
      .send({ lambda: 0, name: 'x'.repeat(ctx.app.initialConfig.bodyLimit!) })
      .expect(413);
    assertError(tooLarge.body, 'payload_too_large');
    assert.deepEqual(await storedState(), before);
  });
});

describe('GET /v1/experiments', () => {
  test('pages newest first, filters by status, and rejects bad query parameters', async () => {
    const { total } = await ctx.app.reads.experiments.list(LOCAL_TENANT, { limit: 1, offset: 0 });
    const mine = [await submit(), await submit(), await submit()];
    await ctx.app.engine.cancelExperiment(LOCAL_TENANT, mine[1]!);

    const firstPage = await http().get('/v1/experiments?limit=2').expect(200);
    assert.equal(firstPage.body.total, total + 3);
    assert.equal(firstPage.body.limit, 2);
    assert.equal(firstPage.body.offset, 0);
    assert.deepEqual(
      firstPage.body.items.map((item: { id: string }) => item.id),
      [mine[2], mine[1]],
    );
    const secondPage = await http().get('/v1/experiments?limit=2&offset=2').expect(200);
    assert.equal(secondPage.body.items[0].id, mine[0]);
    assert.equal(secondPage.body.offset, 2);

    const defaults = await http().get('/v1/experiments').expect(200);
    assert.equal(defaults.body.limit, 50);
    assert.equal(defaults.body.items.length, Math.min(50, total + 3));

    const cancelled = await http().get('/v1/experiments?status=cancelled').expect(200);
    assert.deepEqual(
      cancelled.body.items.map((item: { id: string }) => item.id),
      [mine[1]],
    );
    assert.equal(cancelled.body.total, 1);

    for (const [query, path] of [
      ['status=done', 'query.status'],
      ['limit=0', 'query.limit'],
      ['limit=201', 'query.limit'],
      ['offset=-1', 'query.offset'],
      ['page=2', 'query.page'],
    ]) {
      const response = await http().get(`/v1/experiments?${query}`).expect(400);
      assertError(response.body, 'validation_error', [path!]);
    }
  });
});

describe('GET /v1/experiments/:id', () => {
  test('returns the experiment, 404 for an unknown id, 400 for a malformed one', async () => {
    const id = await submit({ lambda: 0.5, epochs: 4 });
    const response = await http().get(`/v1/experiments/${id}`).expect(200);
    assert.equal(response.body.id, id);
    assert.equal(response.body.status, 'queued');
    assert.equal(response.body.spec.lambda, 0.5);
    assert.deepEqual(response.body.progress, { epoch: 0, epochs: 4 });
    assert.equal(response.body.results, null);

    const unknown = await http().get(`/v1/experiments/${crypto.randomUUID()}`).expect(404);
    assertError(unknown.body, 'not_found');
    const malformed = await http().get('/v1/experiments/not-a-uuid').expect(400);
    assertError(malformed.body, 'validation_error', ['params.id']);
  });
});

describe('POST /v1/experiments/:id/cancel', () => {
  test('cancels a queued experiment, removes its waiting job, and is harmless twice', async () => {
    const id = await submit();
    const first = await http().post(`/v1/experiments/${id}/cancel`).expect(200);
    assert.equal(first.body.id, id);
    assert.equal(first.body.status, 'cancelled');
    assert.ok(first.body.finishedAt);
    assert.equal(await ctx.app.trainingQueue.queue.getJob(trainJobId(id)), undefined, 'the waiting job is gone');
    assert.equal((await ctx.app.reads.experiments.get(LOCAL_TENANT, id))?.status, 'cancelled');

    const second = await http().post(`/v1/experiments/${id}/cancel`).expect(200);
    assert.equal(second.body.status, 'cancelled');
    assert.equal(second.body.finishedAt, first.body.finishedAt);
  });

  test('answers 409 for a finished experiment and leaves it as it was', async () => {
    const id = await submit();
    await runs.fail(id, 'impossible spec');
    const response = await http().post(`/v1/experiments/${id}/cancel`).expect(409);
    assertError(response.body, 'conflict');
    assert.equal((await ctx.app.reads.experiments.get(LOCAL_TENANT, id))?.status, 'failed');
  });

  test('answers 404 for an unknown id and 400 for a malformed one', async () => {
    assertError((await http().post(`/v1/experiments/${crypto.randomUUID()}/cancel`).expect(404)).body, 'not_found');
    assertError((await http().post('/v1/experiments/123/cancel').expect(400)).body, 'validation_error', ['params.id']);
  });
});

test('an unknown route answers 404 in the error shape', async () => {
  const response = await http().get('/v1/nothing-here').expect(404);
  assertError(response.body, 'not_found');
});
