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

test('GET /docs/json is the OpenAPI document generated from the route schemas', async () => {
  const response = await request(healthy.app.server).get('/docs/json').expect(200);
  const document = response.body;
  assert.match(document.openapi, /^3\./);
  assert.deepEqual(Object.keys(document.paths).sort(), [
    '/healthz',
    '/readyz',
    '/v1/admin/keys',
    '/v1/admin/keys/{id}/revoke',
    '/v1/experiments',
    '/v1/experiments/{id}',
    '/v1/experiments/{id}/cancel',
    '/v1/experiments/{id}/evaluation',
    '/v1/experiments/{id}/events',
    '/v1/experiments/{id}/history',
    '/v1/experiments/{id}/model/group1-shard1of1.bin',
    '/v1/experiments/{id}/model/model.json',
    '/v1/experiments/{id}/plots/accuracy.svg',
    '/v1/experiments/{id}/plots/loss.svg',
    '/v1/experiments/{id}/plots/predictions.svg',
    '/v1/experiments/{id}/predictions',
    '/v1/experiments/{id}/resume',
    '/v1/sweeps',
    '/v1/sweeps/{id}',
    '/v1/sweeps/{id}/cancel',
    '/v1/sweeps/{id}/events',
    '/v1/sweeps/{id}/plot.svg',
    '/v1/sweeps/{id}/report',
  ]);
  const create = document.paths['/v1/experiments'].post;
  const body = create.requestBody.content['application/json'].schema;
  assert.ok(body.required.includes('lambda'));
  assert.equal(body.properties.epochs.default, 40);
  assert.equal(body.additionalProperties, false, 'unknown fields are rejected, and documented so');
  assert.deepEqual(Object.keys(create.responses).sort(), ['202', '400', '409', '413', '415', '500', '503']);
  const errorSchema = create.responses['400'].content['application/json'].schema;
  assert.deepEqual(errorSchema.required, ['error']);
  await request(healthy.app.server).get('/docs').expect((res) => assert.ok(res.status < 400, `/docs ${res.status}`));
});
