import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from './test-app.ts';

let ctx: TestApp;

before(async () => {
  ctx = await startTestApp();
  await request(ctx.app.server).post('/v1/experiments').send({ lambda: 0 }).expect(202);
  // Postgres loses the database under the running app: every query now fails inside the driver.
  await ctx.database.drop();
});
after(async () => {
  await ctx.close();
});

test('a 5xx says "Internal Server Error" and nothing more: no stack, no SQL, no driver message', async () => {
  for (const path of ['/v1/experiments', `/v1/experiments/${crypto.randomUUID()}`]) {
    const response = await request(ctx.app.server).get(path).expect(500);
    assert.deepEqual(response.body, { error: { code: 'internal_error', message: 'Internal Server Error' } });
  }
});

test('GET /readyz reports Postgres down', async () => {
  const response = await request(ctx.app.server).get('/readyz').expect(503);
  assert.deepEqual(response.body.checks, { postgres: false, redis: true });
  assert.deepEqual(response.body.error.details, [{ path: 'postgres', message: 'did not answer' }]);
});
