import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { createDb, IdempotencyKeyRepository, type Db } from '@lab/db';
import { buildApp, loadApiConfig } from '../src/index.ts';
import { startTestApp, type TestApp } from './test-app.ts';

let ctx: TestApp;
let db: Db;
const http = () => request(ctx.app.server);
const SCOPE = 'POST /v1/experiments';

before(async () => {
  ctx = await startTestApp();
  db = createDb(ctx.database.url);
});
after(async () => {
  await db.close();
  await ctx.close();
});

const spec = { lambda: 1e-5, epochs: 2, trainLimit: 100 };
const post = (key: string | undefined, body: object = spec) => {
  const call = http().post('/v1/experiments');
  return (key === undefined ? call : call.set('Idempotency-Key', key)).send(body);
};
const experimentCount = async () => (await ctx.app.experiments.list({ limit: 1, offset: 0 })).total;
const jobCount = () => ctx.app.trainingQueue.count();

describe('Idempotency-Key on POST /v1/experiments', () => {
  test('the same key and body return the original experiment (202, same id), created and queued once', async () => {
    const key = randomUUID();
    const before = { experiments: await experimentCount(), jobs: await jobCount() };
    const first = await post(key).expect(202);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    // The worker would have moved it on by now; a replay reports where it is.
    await ctx.app.experiments.markRunning(first.body.id, { backend: 'wasm', tfjsVersion: 'x', datasetSource: 's', datasetVersion: 'v' });

    const again = await post(key, { trainLimit: 100, epochs: 2, lambda: 1e-5 }).expect(202);
    assert.equal(again.body.id, first.body.id, 'key order in the body does not matter');
    assert.equal(again.body.status, 'running');
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.headers.location, first.headers.location);
    assert.deepEqual(
      { experiments: await experimentCount(), jobs: await jobCount() },
      { experiments: before.experiments + 1, jobs: before.jobs + 1 },
    );
    const stored = await new IdempotencyKeyRepository(db.prisma, { ttlMs: 1, abandonedAfterMs: 1 }).find(SCOPE, key);
    assert.equal(stored?.resourceId, first.body.id);
    assert.ok(stored?.completedAt);
    assert.match(stored?.requestHash ?? '', /^[0-9a-f]{64}$/);
  });

  test('the same key with another body is a 409 naming the header, and creates nothing', async () => {
    const key = randomUUID();
    const first = await post(key).expect(202);
    const count = await experimentCount();
    const response = await post(key, { ...spec, lambda: 1e-3 }).expect(409);
    assert.equal(response.body.error.code, 'idempotency_key_reused');
    assert.deepEqual(response.body.error.details, [
      { path: 'headers.idempotency-key', message: 'already used with a different request body' },
    ]);
    assert.equal(await experimentCount(), count);
    // The original is still what the key returns.
    assert.equal((await post(key).expect(202)).body.id, first.body.id);
  });

  test('defaults count as written: a body that spells out a default is the same request', async () => {
    const key = randomUUID();
    const first = await post(key, { lambda: 0 }).expect(202);
    const again = await post(key, { lambda: 0, epochs: 40 }).expect(202);
    assert.equal(again.body.id, first.body.id);
  });

  test('concurrent duplicates create one experiment and all answer with it', async () => {
    const key = randomUUID();
    const count = await experimentCount();
    const responses = await Promise.all(Array.from({ length: 8 }, () => post(key)));
    assert.deepEqual(
      responses.map((response) => response.status),
      Array(8).fill(202),
    );
    assert.equal(new Set(responses.map((response) => response.body.id)).size, 1);
    assert.equal(await experimentCount(), count + 1);
  });

  test('without a key every request creates its own experiment', async () => {
    const a = await post(undefined).expect(202);
    const b = await post(undefined).expect(202);
    assert.notEqual(a.body.id, b.body.id);
  });

  test('a malformed key is a 400 naming the header', async () => {
    for (const key of ['x'.repeat(256), 'clé', 'two words']) {
      const response = await post(key).expect(400);
      assert.equal(response.body.error.code, 'validation_error');
      assert.deepEqual(
        response.body.error.details.map((detail: { path: string }) => detail.path),
        ['headers.idempotency-key'],
      );
    }
  });

  test('a request that fails (503: queue down) releases its key, so a retry with it creates the run', async () => {
    const noRedis = buildApp(
      loadApiConfig({ DATABASE_URL: ctx.database.url, REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'silent', QUEUE_PREFIX: ctx.queuePrefix }),
    );
    await noRedis.ready();
    try {
      const key = randomUUID();
      await request(noRedis.server).post('/v1/experiments').set('Idempotency-Key', key).send(spec).expect(503);
      const retried = await post(key).expect(202);
      assert.equal(retried.body.status, 'queued');
      assert.ok(await ctx.app.trainingQueue.getJob(`experiment-${retried.body.id}`), 'the retry is queued');
    } finally {
      await noRedis.close();
    }
  });

  test('OpenAPI documents the header and the 409', async () => {
    const { body } = await http().get('/docs/json').expect(200);
    const create = body.paths['/v1/experiments'].post;
    assert.ok(create.parameters.some((p: { in: string; name: string }) => p.in === 'header' && p.name === 'idempotency-key'));
    assert.ok(create.responses['409']);
  });
});

describe('IdempotencyKeyRepository', () => {
  const request = (key: string, requestHash = 'h1') => ({ scope: SCOPE, key, requestHash });

  test('keys are scoped: the same key on two routes is two keys', async () => {
    const keys = new IdempotencyKeyRepository(db.prisma, { ttlMs: 60_000, abandonedAfterMs: 60_000 });
    const key = randomUUID();
    const a = await keys.claim(request(key), randomUUID());
    const b = await keys.claim({ ...request(key), scope: 'POST /v1/sweeps' }, randomUUID());
    assert.equal(a.outcome, 'claimed');
    assert.equal(b.outcome, 'claimed');
  });

  test('a pending claim is in progress for duplicates, until it is completed or released', async () => {
    const keys = new IdempotencyKeyRepository(db.prisma, { ttlMs: 60_000, abandonedAfterMs: 60_000 });
    const key = randomUUID();
    const id = randomUUID();
    assert.deepEqual(await keys.claim(request(key), id), { outcome: 'claimed', resourceId: id });
    assert.deepEqual(await keys.claim(request(key), randomUUID()), { outcome: 'in-progress', resourceId: id });
    await keys.release(request(key), id);
    const next = randomUUID();
    assert.deepEqual(await keys.claim(request(key), next), { outcome: 'claimed', resourceId: next });
    await keys.complete(request(key), next);
    assert.deepEqual(await keys.claim(request(key), randomUUID()), { outcome: 'replay', resourceId: next });
    assert.deepEqual(await keys.claim(request(key, 'h2'), randomUUID()), { outcome: 'conflict' });
  });

  test('an abandoned claim (its request died) is taken over', async () => {
    const keys = new IdempotencyKeyRepository(db.prisma, { ttlMs: 60_000, abandonedAfterMs: 0 });
    const key = randomUUID();
    await keys.claim(request(key), randomUUID());
    await sleep(5);
    const next = randomUUID();
    assert.deepEqual(await keys.claim(request(key), next), { outcome: 'claimed', resourceId: next });
  });

  test('expired keys are forgotten and cleaned up by later claims', async () => {
    const shortLived = new IdempotencyKeyRepository(db.prisma, { ttlMs: 1, abandonedAfterMs: 60_000 });
    const old = randomUUID();
    const id = randomUUID();
    await shortLived.claim(request(old), id);
    await shortLived.complete(request(old), id);
    await sleep(5);
    const next = randomUUID();
    assert.deepEqual(await shortLived.claim(request(old), next), { outcome: 'claimed', resourceId: next }, 'the key is reusable');

    const other = randomUUID();
    await shortLived.claim(request(other), randomUUID());
    await sleep(5);
    await shortLived.claim(request(randomUUID()), randomUUID());
    assert.equal(await shortLived.find(SCOPE, other), null, 'another claim deleted the expired key');
  });
});
