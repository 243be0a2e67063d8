import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { LOCAL_TENANT } from '@lab/contracts';
import { startTestApp, type TestApp } from './test-app.ts';

let healthy: TestApp;
let noRedis: TestApp;

before(async () => {
  healthy = await startTestApp();
  // Port 1 refuses connections: Redis is unreachable while Postgres is fine.
  noRedis = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
});
after(async () => {
  await healthy.close();
  await noRedis.close();
});

test('GET /healthz answers while the process is up', async () => {
  const response = await request(healthy.app.server).get('/healthz').expect(200);
  assert.deepEqual(response.body, { status: 'ok' });
});

test('GET /readyz answers 200 when Postgres and Redis answer', async () => {
  const response = await request(healthy.app.server).get('/readyz').expect(200);
  assert.deepEqual(response.body, { status: 'ok', checks: { postgres: true, redis: true } });
});

test('GET /readyz answers 503 in the error shape when Redis is unreachable', async () => {
  const response = await request(noRedis.app.server).get('/readyz').expect(503);
  assert.equal(response.body.error.code, 'not_ready');
  assert.deepEqual(response.body.error.details, [{ path: 'redis', message: 'did not answer' }]);
  assert.equal(response.body.status, 'unavailable');
  assert.deepEqual(response.body.checks, { postgres: true, redis: false });
  assert.equal(response.headers['retry-after'], '5', 'a 503 says when to retry');
});

test('POST /v1/experiments answers 202 while Redis is unreachable: Postgres has the run, queued', async () => {
  const started = Date.now();
  const response = await request(noRedis.app.server).post('/v1/experiments').send({ lambda: 0 }).expect(202);
  assert.ok(Date.now() - started < 1_000, 'the answer does not wait for Redis');
  assert.equal(response.body.status, 'queued');
  const stored = await noRedis.app.reads.experiments.get(LOCAL_TENANT, response.body.id);
  assert.equal(stored?.status, 'queued');
  assert.equal(stored?.error, null);
});
