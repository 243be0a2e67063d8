import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { experimentSpecSchema, LOCAL_TENANT } from '@lab/contracts';
import { createDb, type Db } from '@lab/db';
import { buildApp, loadApiConfig } from '../src/index.ts';
import { StoredRuns } from './stored-runs.ts';
import { startTestApp, TEST_ACCESS_ENV, type TestApp } from './test-app.ts';

let ctx: TestApp;
let db: Db;
let runs: StoredRuns;
const http = () => request(ctx.app.server);
const SCOPE = 'POST /v1/experiments';

before(async () => {
  ctx = await startTestApp();
  runs = new StoredRuns(ctx.app);
  db = createDb(ctx.database.url);
});
after(async () => {
  runs.close();
  await db.close();
  await ctx.close();
});

const spec = { lambda: 1e-5, epochs: 2, trainLimit: 100 };
const post = (key: string | undefined, body: object = spec) => {
  const call = http().post('/v1/experiments');
  return (key === undefined ? call : call.set('Idempotency-Key', key)).send(body);
};
const experimentCount = async () => (await ctx.app.reads.experiments.list(LOCAL_TENANT, { limit: 1, offset: 0 })).total;
const jobCount = () => ctx.app.trainingQueue.queue.count();

describe('Idempotency-Key on POST /v1/experiments', () => {
  test('the same key and body return the original experiment (202, same id), created and queued once', async () => {
    const key = randomUUID();
    const before = { experiments: await experimentCount(), jobs: await jobCount() };
    const first = await post(key).expect(202);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    // A worker has claimed it by now; a replay reports where it is.
    await runs.attempt(first.body.id);

    const again = await post(key, { trainLimit: 100, epochs: 2, lambda: 1e-5 }).expect(202);
    assert.equal(again.body.id, first.body.id, 'key order in the body does not matter');
    assert.equal(again.body.status, 'running');
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.headers.location, first.headers.location);
    assert.deepEqual(
      { experiments: await experimentCount(), jobs: await jobCount() },
      { experiments: before.experiments + 1, jobs: before.jobs + 1 },
    );
    const stored = await db.prisma.idempotencyKey.findUnique({ where: { scope_key: { scope: `${LOCAL_TENANT} ${SCOPE}`, key } } });
    assert.equal(stored?.resourceId, first.body.id);
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

  test('while Redis is away the key and the run are stored (202); a retry with the key replays that run', async () => {
    const noRedis = buildApp(
      loadApiConfig({ DATABASE_URL: ctx.database.url, REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'silent', QUEUE_PREFIX: ctx.queuePrefix, ...TEST_ACCESS_ENV }),
    );
    await noRedis.ready();
    try {
      const key = randomUUID();
      const first = await request(noRedis.server).post('/v1/experiments').set('Idempotency-Key', key).send(spec).expect(202);
      assert.equal(first.body.status, 'queued');
      const retried = await post(key).expect(202);
      assert.equal(retried.body.id, first.body.id);
      assert.equal(retried.headers['idempotent-replayed'], 'true');
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

describe('idempotency keys in the run engine', () => {
  const spec = experimentSpecSchema.parse({ lambda: 1e-5, epochs: 2, trainLimit: 100 });
  const submit = (ownerId: string, key: string, scope = SCOPE, body = spec) =>
    ctx.app.engine.submitExperiment({ ownerId, spec: body, idempotency: { scope, key } });

  test('keys are scoped by route and by tenant: the same key there is another key', async () => {
    const key = randomUUID();
    const first = await submit(LOCAL_TENANT, key);
    assert.equal(first.replayed, false);
    const otherRoute = await submit(LOCAL_TENANT, key, 'POST /v1/sweeps');
    const otherTenant = await submit('another-team', key);
    assert.equal(otherRoute.replayed, false);
    assert.equal(otherTenant.replayed, false);
    assert.equal(new Set([first.id, otherRoute.id, otherTenant.id]).size, 3);
    assert.deepEqual(await submit(LOCAL_TENANT, key), { id: first.id, replayed: true, created: [] });
  });

  test('a key is stored in the transaction that stores its experiment: never one without the other', async () => {
    const key = randomUUID();
    const { id } = await submit(LOCAL_TENANT, key);
    const stored = await db.prisma.idempotencyKey.findUnique({ where: { scope_key: { scope: `${LOCAL_TENANT} ${SCOPE}`, key } } });
    assert.equal(stored?.resourceId, id);
    assert.ok(await db.prisma.experiment.findUnique({ where: { id } }));
  });

  test('expired keys are forgotten and cleaned up by later submissions', async () => {
    const old = randomUUID();
    const other = randomUUID();
    const first = await submit(LOCAL_TENANT, old);
    await submit(LOCAL_TENANT, other);
    await db.prisma.idempotencyKey.updateMany({ where: { key: { in: [old, other] } }, data: { expiresAt: new Date(Date.now() - 1) } });
    const again = await submit(LOCAL_TENANT, old);
    assert.equal(again.replayed, false, 'the expired key is reusable');
    assert.notEqual(again.id, first.id);
    await submit(LOCAL_TENANT, randomUUID());
    assert.equal(await db.prisma.idempotencyKey.count({ where: { key: other } }), 0, 'a later submission deleted the expired key');
  });
});
