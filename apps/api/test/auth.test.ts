import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { apiKeyListSchema, createdApiKeySchema, errorBodySchema } from '@lab/contracts';
import { parseExposition } from './prometheus-text.ts';
import { startTestApp, type TestApp } from './test-app.ts';

/**
 * API keys, the admin routes, rate limits, the per-tenant cap, request ids, security headers and
 * /metrics, on the real app with authentication on (Postgres and Redis real, in-process).
 */
const FAILURE_LIMIT = 3;
const RATE_LIMIT = 8;
const CAP = 2;

let ctx: TestApp;
let adminKey: string;
let alice: string;
let metricsKey: string;

before(async () => {
  ctx = await startTestApp({
    AUTH: 'enabled',
    AUTH_FAILURE_LIMIT: String(FAILURE_LIMIT),
    RATE_LIMIT_MAX: String(RATE_LIMIT),
    TENANT_MAX_ACTIVE_RUNS: String(CAP),
  });
  adminKey = (await ctx.app.apiKeys.create({ scope: 'admin', name: 'test operator' })).key;
  metricsKey = (await ctx.app.apiKeys.create({ scope: 'metrics' })).key;
  alice = await ctx.createKey('alice');
});
after(async () => {
  await ctx.close();
});

/** Each test speaks from its own address, so that the per-address counters of one never reach another. */
let nextAddress = 1;
const freshAddress = () => `10.0.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 1}`;
const call = (options: InjectOptions & { key?: string; from?: string }): Promise<LightMyRequestResponse> => {
  const { key, from, headers, ...rest } = options;
  return ctx.app.inject({
    ...rest,
    remoteAddress: from ?? freshAddress(),
    headers: { ...headers, ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) },
  });
};
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys', () => {
  test('a missing, malformed, unknown or revoked key gets the same 401, in the error shape', async () => {
    const revoked = await ctx.createKey('alice');
    const [record] = (await ctx.app.apiKeys.list({ tenantId: 'alice' })).slice(-1);
    await ctx.app.apiKeys.revoke(record!.id);
    const unknown = alice.slice(0, -4) + (alice.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const answers = await Promise.all(
      [{}, { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearer' }, bearer('not-a-key'), bearer(unknown), bearer(revoked)].map((headers) =>
        call({ method: 'GET', url: '/v1/experiments', headers }),
      ),
    );
    for (const answer of answers) {
      assert.equal(answer.statusCode, 401);
      assert.equal(answer.headers['www-authenticate'], 'Bearer realm="lab"');
      assert.ok(errorBodySchema.safeParse(answer.json()).success);
    }
    assert.equal(new Set(answers.map((answer) => answer.body)).size, 1, 'the body never says which failure it was');
  });

  test('an oversized Authorization header is refused: 401 in-process, 431 from the HTTP server', async () => {
    const long = await call({ method: 'GET', url: '/v1/experiments', headers: { authorization: `Bearer ${'x'.repeat(100_000)}` } });
    assert.equal(long.statusCode, 401);
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = ctx.app.server.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const sent = httpRequest({ port, host: '127.0.0.1', path: '/v1/experiments', headers: { authorization: `Bearer ${'x'.repeat(64 * 1024)}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      sent.on('error', reject);
      sent.end();
    });
    assert.equal(status, 431);
  });

  test('the key is shown once: created by the admin API, listed without its secret, revoked at once', async () => {
    const created = await call({ method: 'POST', url: '/v1/admin/keys', key: adminKey, payload: { tenant: 'bob', name: 'ci' } });
    assert.equal(created.statusCode, 201);
    const key = createdApiKeySchema.parse(created.json());
    assert.equal(key.tenant, 'bob');
    assert.equal(key.scope, 'tenant');
    assert.ok(key.key.startsWith(key.prefix.slice(0, -1)), 'the prefix identifies the key');
    assert.equal((await call({ method: 'GET', url: '/v1/experiments', key: key.key })).statusCode, 200);

    const listed = await call({ method: 'GET', url: '/v1/admin/keys?tenant=bob', key: adminKey });
    const items = apiKeyListSchema.parse(listed.json()).items;
    assert.deepEqual(items.map((item) => item.id), [key.id]);
    assert.ok(!listed.body.includes(key.key.slice(key.prefix.length - 1)), 'a listing never shows a secret');
    const stored = await ctx.app.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    assert.ok(!JSON.stringify(stored).includes(key.key.slice(key.prefix.length - 1)), 'only a hash is stored');

    const revoked = await call({ method: 'POST', url: `/v1/admin/keys/${key.id}/revoke`, key: adminKey });
    assert.equal(revoked.statusCode, 200);
    assert.ok(revoked.json().revokedAt);
    assert.equal((await call({ method: 'GET', url: '/v1/experiments', key: key.key })).statusCode, 401);
    assert.equal((await call({ method: 'POST', url: `/v1/admin/keys/${crypto.randomUUID()}/revoke`, key: adminKey })).statusCode, 404);
  });

  test('each kind of key works only where it belongs: 403 elsewhere', async () => {
    assert.equal((await call({ method: 'GET', url: '/v1/admin/keys', key: alice })).statusCode, 403);
    assert.equal((await call({ method: 'GET', url: '/v1/experiments', key: adminKey })).statusCode, 403);
    assert.equal((await call({ method: 'GET', url: '/v1/experiments', key: metricsKey })).statusCode, 403);
    assert.equal((await call({ method: 'GET', url: '/metrics', key: alice })).statusCode, 403);
    assert.equal((await call({ method: 'GET', url: '/v1/admin/keys' })).statusCode, 401);
    const badBody = await call({ method: 'POST', url: '/v1/admin/keys', key: adminKey, payload: { tenant: 'Not A Name' } });
    assert.equal(badBody.statusCode, 400);
    assert.deepEqual(badBody.json().error.details.map((detail: { path: string }) => detail.path), ['body.tenant']);
  });

  test('health probes, /docs and the dashboard stay open', async () => {
    assert.equal((await call({ method: 'GET', url: '/healthz' })).statusCode, 200);
    assert.equal((await call({ method: 'GET', url: '/docs/json' })).statusCode, 200);
    assert.notEqual((await call({ method: 'GET', url: '/' })).statusCode, 401);
  });

  test('the key is accepted as access_token on the event streams only', async () => {
    const id = (await call({ method: 'POST', url: '/v1/experiments', key: alice, payload: { lambda: 0, epochs: 1 } })).json().id as string;
    assert.equal((await call({ method: 'GET', url: `/v1/experiments/${id}?access_token=${alice}` })).statusCode, 401);
    await ctx.app.engine.cancelExperiment('alice', id); // a finished run's stream ends after its status
    const stream = await call({ method: 'GET', url: `/v1/experiments/${id}/events?access_token=${encodeURIComponent(alice)}` });
    assert.equal(stream.statusCode, 200, stream.body);
    assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
    assert.equal((await call({ method: 'GET', url: `/v1/experiments/${id}/events?access_token=wrong` })).statusCode, 401);
  });
});

describe('limits', () => {
  test('wrong keys from one address are throttled: 429 with Retry-After, even for a right key; other addresses are not', async () => {
    const attacker = freshAddress();
    for (let i = 0; i < FAILURE_LIMIT; i++) {
      assert.equal((await call({ method: 'GET', url: '/v1/experiments', key: `lab_${'0'.repeat(12)}_${'A'.repeat(43)}`, from: attacker })).statusCode, 401);
    }
    const blocked = await call({ method: 'GET', url: '/v1/experiments', key: 'guess', from: attacker });
    assert.equal(blocked.statusCode, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    assert.ok(errorBodySchema.safeParse(blocked.json()).success);
    assert.equal((await call({ method: 'GET', url: '/v1/experiments', key: alice, from: attacker })).statusCode, 429);
    assert.equal((await call({ method: 'GET', url: '/v1/experiments', key: alice })).statusCode, 200);
  });

  test('each key has its own request rate: 429 with Retry-After and RateLimit-* headers past it', async () => {
    const key = await ctx.createKey('chatty');
    const answers: LightMyRequestResponse[] = [];
    for (let i = 0; i < RATE_LIMIT + 1; i++) answers.push(await call({ method: 'GET', url: '/v1/sweeps', key }));
    assert.deepEqual(answers.map((answer) => answer.statusCode), [...Array(RATE_LIMIT).fill(200), 429]);
    assert.equal(answers[0]!.headers['ratelimit-limit'], String(RATE_LIMIT));
    assert.equal(answers[0]!.headers['ratelimit-remaining'], String(RATE_LIMIT - 1));
    const limited = answers.at(-1)!;
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal(limited.json().error.code, 'rate_limited');
    assert.equal((await call({ method: 'GET', url: '/v1/sweeps', key: await ctx.createKey('quiet') })).statusCode, 200, 'another key is not limited');
  });

  test('a tenant at its cap gets 429 naming the cap, and nothing is stored', async () => {
    const key = await ctx.createKey('busy');
    for (let i = 0; i < CAP; i++) assert.equal((await call({ method: 'POST', url: '/v1/experiments', key, payload: { lambda: 0 } })).statusCode, 202);
    const before = await ctx.app.prisma.experiment.count();
    const refused = await call({ method: 'POST', url: '/v1/experiments', key, payload: { lambda: 0 }, headers: { 'idempotency-key': crypto.randomUUID() } });
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.json().error.code, 'run_cap_exceeded');
    assert.match(refused.json().error.message, new RegExp(`cap of ${CAP} queued or running runs`));
    const sweep = await call({ method: 'POST', url: '/v1/sweeps', key, payload: { base: {}, lambdas: [0, 1e-4] } });
    assert.equal(sweep.statusCode, 429);
    assert.equal(await ctx.app.prisma.experiment.count(), before);
    assert.equal(await ctx.app.prisma.sweep.count({ where: { ownerId: 'busy' } }), 0);
    assert.equal(await ctx.app.prisma.idempotencyKey.count({ where: { scope: { startsWith: 'busy ' } } }), 0);
  });
});

describe("the operator's view", () => {
  test('X-Request-Id: the caller’s when it is a plausible id, else a fresh one; on errors too', async () => {
    const given = await call({ method: 'GET', url: '/v1/experiments', key: alice, headers: { 'x-request-id': 'trace-42.a' } });
    assert.equal(given.headers['x-request-id'], 'trace-42.a');
    const forged = await call({ method: 'GET', url: '/v1/experiments', headers: { 'x-request-id': 'bad id\twith spaces' } });
    assert.equal(forged.statusCode, 401);
    assert.match(String(forged.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    for (const url of ['/v1/nowhere', '/v1/experiments/%', '/healthz']) {
      assert.match(String((await call({ method: 'GET', url })).headers['x-request-id']), /^[0-9a-f-]{36}$/, url);
    }
  });

  test('security headers on API answers and on the page', async () => {
    for (const url of ['/v1/experiments', '/healthz', '/']) {
      const answer = await call({ method: 'GET', url });
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', url);
      assert.match(String(answer.headers['content-security-policy']), /default-src 'self'/, url);
      assert.equal(answer.headers['x-frame-options'], 'SAMEORIGIN', url);
    }
  });

  test('/metrics, for a metrics key: HTTP durations by route and status, queue counts, process metrics', async () => {
    await call({ method: 'GET', url: '/v1/experiments', key: alice });
    await call({ method: 'GET', url: '/v1/experiments' });
    assert.equal((await call({ method: 'GET', url: '/metrics' })).statusCode, 401);
    const scraped = await call({ method: 'GET', url: '/metrics', key: metricsKey });
    assert.equal(scraped.statusCode, 200);
    assert.match(String(scraped.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const metrics = parseExposition(scraped.body);
    assert.equal(metrics.types.get('http_request_duration_seconds'), 'histogram');
    for (const status of ['200', '401']) {
      const [count] = metrics.find('http_request_duration_seconds_count', { method: 'GET', route: '/v1/experiments', status_code: status });
      assert.ok((count?.value ?? 0) >= 1, `a duration for GET /v1/experiments → ${status}`);
    }
    assert.equal(metrics.types.get('bullmq_job_count'), 'gauge');
    const states = new Set(metrics.find('bullmq_job_count', { queue: 'training' }).map((sample) => sample.labels.state));
    for (const state of ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed']) assert.ok(states.has(state), state);
    assert.ok(metrics.find('bullmq_job_count', { state: 'prioritized' })[0]!.value >= 1, 'the queued runs are counted');
    assert.equal(metrics.types.get('http_open_event_streams'), 'gauge');
    assert.ok(metrics.find('nodejs_eventloop_lag_seconds').length === 1);
    assert.ok(metrics.find('process_resident_memory_bytes')[0]!.value > 0);
    assert.ok(metrics.find('nodejs_heap_size_used_bytes')[0]!.value > 0);
  });
});
