import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { errorBodySchema, experimentSpecSchema, IMAGE_SIZE, NUM_CLASSES, sweepRequestSchema } from '@lab/contracts';
import { buildModel, initBackend, serializeModel } from '@lab/trainer';
import { databaseSnapshot } from './database-snapshot.ts';
import { StoredRuns, SYNTHETIC_EVALUATION } from './stored-runs.ts';
import { startTestApp, type TestApp } from './test-app.ts';

/**
 * Every endpoint the OpenAPI document lists (so routes added later are covered too) × every kind of
 * caller: no key, a wrong key, a revoked key, another tenant's key, the owner's key. Over real HTTP
 * (event streams included) on the real app with authentication on. Only the owner reaches the owner's
 * resources; everyone else learns nothing of them and changes nothing of them.
 */
const OWNER = 'owner-team';
const INTRUDER = 'intruder-team';
/** A name no answer to anyone but the owner may contain. */
const SECRET_NAME = 'owner-private-run-name';

type Caller = 'no key' | 'wrong key' | 'revoked key' | 'other tenant' | 'owner';
interface Endpoint {
  method: string;
  path: string;
}
interface Answer {
  status: number;
  contentType: string;
  body: string;
}

let ctx: TestApp;
let base: string;
let endpoints: Endpoint[] = [];
const keys = {} as Record<Caller, string | null>;
let experimentId: string;
let sweepId: string;
let sweepRunIds: string[];


/** The owner's completed experiment (with its model, so predictions are served) and a queued sweep. */
async function seedOwner(): Promise<void> {
  const spec = { ...experimentSpecSchema.parse({ lambda: 1e-3, epochs: 2, hiddenLayers: [8] }), seed: 3, name: SECRET_NAME };
  const runs = new StoredRuns(ctx.app);
  experimentId = await runs.submit(spec, OWNER);
  await runs.recordEpochs(experimentId, [1, 2]);
  await initBackend();
  const model = buildModel(spec);
  await runs.complete(experimentId, {
    evaluation: SYNTHETIC_EVALUATION,
    predictions: Array.from({ length: 10 }, (_, i) => ({ trueClass: i % NUM_CLASSES, predictedClass: i % NUM_CLASSES, confidence: 0.9 })),
    model: await serializeModel(model),
  });
  model.dispose();
  runs.close();
  const request = sweepRequestSchema.parse({ name: SECRET_NAME, base: { epochs: 1, hiddenLayers: [8] }, lambdas: [0, 1e-4] });
  const sweep = await ctx.app.engine.submitSweep({ ownerId: OWNER, request });
  sweepId = sweep.id;
  sweepRunIds = sweep.created.map((run) => run.id);
}

/** A valid request to `endpoint` about the owner's resources (or, with `unknownIds`, about ids that do not exist). */
function requestFor(endpoint: Endpoint, unknownIds = false): { url: string; body?: unknown } {
  const id = unknownIds ? randomUUID() : endpoint.path.startsWith('/v1/sweeps/') ? sweepId : endpoint.path.startsWith('/v1/admin/') ? randomUUID() : experimentId;
  const url = endpoint.path.replace(/\{[^}]+\}/g, id);
  if (endpoint.method !== 'POST') return { url };
  if (endpoint.path === '/v1/experiments') return { url, body: { lambda: 0, epochs: 1, name: 'new' } };
  if (endpoint.path === '/v1/sweeps') return { url, body: { base: { epochs: 1 }, lambdas: [0, 1e-4] } };
  if (endpoint.path === '/v1/admin/keys') return { url, body: { tenant: 'made-by-admin' } };
  if (endpoint.path.endsWith('/predictions')) return { url, body: { images: [Array(IMAGE_SIZE).fill(0)] } };
  if (endpoint.path.endsWith('/resume')) return { url, body: { epochs: 4 } };
  // Another POST with a body: give it one here, or the 404 check below fails on its 400.
  return { url };
}

/** One request over HTTP; an event stream is read up to its headers, then dropped. */
async function send(endpoint: Endpoint, caller: Caller, unknownIds = false): Promise<Answer> {
  const { url, body } = requestFor(endpoint, unknownIds);
  const key = keys[caller];
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const abort = new AbortController();
  const response = await fetch(`${base}${url}`, { method: endpoint.method, headers, body: body === undefined ? null : JSON.stringify(body), signal: abort.signal });
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType.startsWith('text/event-stream')) {
    abort.abort();
    return { status: response.status, contentType, body: '' };
  }
  return { status: response.status, contentType, body: await response.text() };
}

/** What nobody but the owner may see: the owner's ids and names. */
const ownerSecrets = () => [experimentId, sweepId, ...sweepRunIds, SECRET_NAME];

const hasIdParameter = (endpoint: Endpoint) => /\{[^}]+\}/.test(endpoint.path);
const isAdmin = (endpoint: Endpoint) => endpoint.path.startsWith('/v1/admin/');
const label = (endpoint: Endpoint, caller: Caller) => `${endpoint.method} ${endpoint.path} as ${caller}`;

before(async () => {
  ctx = await startTestApp({ AUTH: 'enabled', RATE_LIMIT_MAX: '1000000', AUTH_FAILURE_LIMIT: '10000' });
  await seedOwner();
  keys['no key'] = null;
  keys['wrong key'] = `lab_${'0'.repeat(12)}_${'A'.repeat(43)}`;
  keys['revoked key'] = await ctx.createKey(OWNER);
  const revoked = (await ctx.app.apiKeys.list({ tenantId: OWNER })).at(-1)!;
  await ctx.app.apiKeys.revoke(revoked.id);
  keys['other tenant'] = await ctx.createKey(INTRUDER);
  keys.owner = await ctx.createKey(OWNER);
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  const document = (await (await fetch(`${base}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  endpoints = Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })));
});
after(async () => {
  await ctx.close();
});

describe('access matrix: every endpoint × no key, wrong key, revoked key, other tenant, owner', () => {
  test('the endpoints under test are the documented ones', () => {
    assert.ok(endpoints.length >= 15, `found ${endpoints.length} endpoints`);
    for (const [method, path] of [['GET', '/v1/experiments/{id}/history'], ['POST', '/v1/sweeps/{id}/cancel'], ['POST', '/v1/admin/keys']]) {
      assert.ok(endpoints.some((e) => e.method === method && e.path === path), `${method} ${path}`);
    }
  });

  test('no key, a wrong key and a revoked key: the same 401 everywhere; another tenant: exactly what a missing id gets', async (t) => {
    const before = await databaseSnapshot(ctx.app.prisma);
    let unauthorizedBody: string | undefined;
    for (const endpoint of endpoints) {
      for (const caller of ['no key', 'wrong key', 'revoked key'] as const) {
        const answer = await send(endpoint, caller);
        assert.equal(answer.status, 401, label(endpoint, caller));
        assert.ok(errorBodySchema.safeParse(JSON.parse(answer.body)).success, label(endpoint, caller));
        unauthorizedBody ??= answer.body;
        assert.equal(answer.body, unauthorizedBody, `${label(endpoint, caller)}: the 401 never says which failure`);
      }

      const other = await send(endpoint, 'other tenant');
      const what = label(endpoint, 'other tenant');
      for (const secret of ownerSecrets()) assert.ok(!other.body.includes(secret), `${what} reveals nothing of the owner's`);
      if (isAdmin(endpoint)) {
        assert.equal(other.status, 403, what);
      } else if (hasIdParameter(endpoint)) {
        // The owner asking about an id that does not exist gets the same answer: the two are indistinguishable.
        const missing = await send(endpoint, 'owner', true);
        assert.equal(other.status, missing.status, what);
        assert.equal(other.status, 404, what);
        assert.deepEqual(JSON.parse(other.body), JSON.parse(missing.body), what);
      } else {
        assert.ok(other.status < 300, `${what} → ${other.status} ${other.body.slice(0, 200)}`);
      }
    }
    const now = await databaseSnapshot(ctx.app.prisma);
    for (const [table, rows] of before) {
      const changed = [...rows].filter((row) => !(now.get(table) ?? new Set()).has(row));
      assert.deepEqual(changed, [], `nothing of ${table} changed or vanished`);
    }
    t.diagnostic(`${endpoints.length} endpoints × 4 callers: no stored row changed`);
  });

  test("another tenant's lists are its own: the owner's runs and sweeps are not in them, not even by sweepId", async () => {
    const key = keys['other tenant']!;
    const headers = { authorization: `Bearer ${key}` };
    for (const url of ['/v1/experiments?limit=200', '/v1/sweeps?limit=200', `/v1/experiments?sweepId=${sweepId}`]) {
      const answer = await fetch(`${base}${url}`, { headers });
      assert.equal(answer.status, 200, url);
      const body = (await answer.json()) as { items: Array<{ id: string }>; total: number };
      assert.ok(body.items.every((item) => !ownerSecrets().includes(item.id)), url);
    }
    const runs = (await (await fetch(`${base}/v1/experiments?sweepId=${sweepId}`, { headers })).json()) as { total: number };
    assert.equal(runs.total, 0);
  });

  test("the owner reaches every endpoint about its own resources (admin ones excepted: 403 for a tenant key)", async () => {
    for (const endpoint of endpoints) {
      const answer = await send(endpoint, 'owner');
      const what = `${label(endpoint, 'owner')} → ${answer.status} ${answer.body.slice(0, 200)}`;
      if (isAdmin(endpoint)) {
        assert.equal(answer.status, 403, what);
        continue;
      }
      assert.ok(answer.status < 500 && ![401, 403, 404].includes(answer.status), what);
      // A conflict is an answer about the owner's resource (e.g. cancelling a run that already finished).
      if (answer.status >= 400) assert.equal(answer.status, 409, what);
    }
  });
});
