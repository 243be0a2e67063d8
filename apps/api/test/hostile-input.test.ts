import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { errorBodySchema, experimentSpecSchema, IMAGE_SIZE, LOCAL_TENANT, NUM_CLASSES } from '@lab/contracts';
import { buildModel, initBackend, serializeModel } from '@lab/trainer';
import { databaseSnapshot } from './database-snapshot.ts';
import { StoredRuns, SYNTHETIC_EVALUATION } from './stored-runs.ts';
import { startTestApp, type TestApp } from './test-app.ts';

/**
 * Thousands of random and mutated requests at every endpoint the OpenAPI document lists (new routes are
 * covered as they appear): never a 5xx, every 4xx in the one error shape with nothing internal in it,
 * and no stored row changed. Runs in-process (inject) on a real Postgres and Redis; no worker runs.
 */
const RUNS_PER_ENDPOINT = Number(process.env.HOSTILE_RUNS ?? 400);
/** Small, so that oversized bodies (413) are cheap to make. */
const BODY_LIMIT_BYTES = 64 * 1024;

let ctx: TestApp;
/** Experiments already stored, in every final state: no rejected request may change them. */
let storedIds: string[] = [];
let endpoints: Array<{ method: string; path: string }> = [];
let before_: Map<string, Set<string>>;

const spec = { ...experimentSpecSchema.parse({ lambda: 1e-3, epochs: 3, hiddenLayers: [8] }), seed: 5 };
async function seedExperiments(): Promise<string[]> {
  const runs = new StoredRuns(ctx.app);
  const make = async () => {
    const id = await runs.submit({ ...spec, name: 'stored' });
    await runs.recordEpochs(id, [1]);
    return id;
  };
  await initBackend();
  const model = buildModel(spec);
  const completed = await make();
  await runs.complete(completed, {
    evaluation: SYNTHETIC_EVALUATION,
    predictions: Array.from({ length: 10 }, (_, i) => ({ trueClass: i % NUM_CLASSES, predictedClass: i % NUM_CLASSES, confidence: 0.9 })),
    model: await serializeModel(model),
  });
  model.dispose();
  const failed = await make();
  await runs.fail(failed, 'boom');
  const cancelled = await make();
  await ctx.app.engine.cancelExperiment(LOCAL_TENANT, cancelled);
  runs.close();
  return [completed, failed, cancelled];
}

// ── Generators ────────────────────────────────────────────────────────────────────────────────────

const nastyStrings = fc.constantFrom(
  '',
  ' ',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1',
  '0x10',
  '1.5',
  '9007199254740993',
  "' OR 1=1 --",
  '"; DROP TABLE experiments; --',
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  '\uFFFF',
  '😀',
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  'a'.repeat(5000),
);
const nastyNumbers = fc.constantFrom(0, -0, -1, 1, 0.5, 1e-300, 1e300, Number.MAX_SAFE_INTEGER, 2 ** 31, 2 ** 53 + 2, -1e308, 500, 501, 60_000, 60_001);
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyStrings,
  nastyNumbers,
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.string()), { maxKeys: 3 }),
);
const fieldNames = fc.oneof(
  fc.constantFrom(
    'lambda',
    'epochs',
    'batchSize',
    'learningRate',
    'hiddenLayers',
    'seed',
    'name',
    'trainLimit',
    'testLimit',
    'images',
    'base',
    'lambdas',
    'seeds',
    'logspace',
    '__proto__',
    'constructor',
  ),
  fc.string({ maxLength: 12 }),
);

const validSpec = fc.record(
  {
    lambda: fc.double({ min: 0, max: 1, noNaN: true }),
    epochs: fc.integer({ min: 1, max: 500 }),
    batchSize: fc.integer({ min: 1, max: 60_000 }),
    hiddenLayers: fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 8 }),
    name: fc.string({ minLength: 1, maxLength: 20 }),
    trainLimit: fc.integer({ min: 1, max: 60_000 }),
  },
  { requiredKeys: ['lambda'] },
);
const imageBody = fc.record({
  images: fc.array(
    fc.oneof(
      fc.array(fc.integer({ min: -5, max: 300 }), { minLength: IMAGE_SIZE - 1, maxLength: IMAGE_SIZE + 1 }),
      fc.array(fc.array(fc.double(), { minLength: 27, maxLength: 29 }), { minLength: 27, maxLength: 29 }),
      fc.constant(Array(IMAGE_SIZE).fill(0)),
      nastyValue,
    ),
    { maxLength: 3 },
  ),
});
/** A valid-looking body with fields replaced, added or removed. */
const mutated = fc
  .tuple(fc.oneof(validSpec, imageBody), fc.array(fc.tuple(fieldNames, nastyValue), { maxLength: 3 }), fc.array(fieldNames, { maxLength: 2 }))
  .map(([body, replaced, removed]) => {
    const copy: Record<string, unknown> = { ...body };
    for (const [key, value] of replaced) Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    for (const key of removed) delete copy[key];
    return JSON.stringify(copy);
  });
const deeplyNested = fc.integer({ min: 100, max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
const rawBody = fc.oneof(
  { weight: 4, arbitrary: mutated },
  { weight: 2, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constantFrom('{', '{"lambda":', '{"lambda": 1e999}', '{"lambda": NaN}', 'null', '[]', '""', '{"a":1,"a":2}') },
  { weight: 1, arbitrary: deeplyNested },
  { weight: 1, arbitrary: fc.constant(`{"name":"${'x'.repeat(BODY_LIMIT_BYTES)}"}`) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const contentTypes = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'application/vnd.api+json',
  '',
  ';;;',
  undefined,
);
const queryValue = fc.oneof(nastyStrings, fc.integer().map(String), fc.string({ maxLength: 20 }), fc.constantFrom('queued', 'completed', 'bogus'));
const queryString = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom('limit', 'offset', 'status', 'afterEpoch', 'sweepId', 'n'), fc.string({ maxLength: 8 })), queryValue), { maxLength: 4 })
  .map((pairs) => pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&'));
const rawQuery = fc.oneof(queryString, fc.constantFrom('%', '%zz', '&&&', '=', 'limit=1&limit=2', 'a[b]=1', '__proto__[x]=1'));

/** A path parameter: a stored id, an unknown UUID, or garbage (encoded, or raw where a URL allows it). */
const pathParam = () =>
  fc.oneof(
    fc.constantFrom(...storedIds),
    fc.uuid().map(String),
    nastyStrings.map(encodeURIComponent),
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.constantFrom('%', '%zz', '..', '.', 'a%2Fb'),
  );

function requestFor(endpoint: { method: string; path: string }) {
  return fc
    .record({
      method: fc.oneof({ weight: 9, arbitrary: fc.constant(endpoint.method) }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'PATCH', 'DELETE', 'POST', 'GET') }),
      params: fc.array(pathParam(), { minLength: 4, maxLength: 4 }),
      query: fc.option(rawQuery, { nil: undefined }),
      body: rawBody,
      contentType: contentTypes,
      idempotencyKey: fc.option(fc.oneof(fc.uuid().map(String), nastyStrings), { nil: undefined, freq: 3 }),
    })
    .map(({ method, params, query, body, contentType, idempotencyKey }): InjectOptions => {
      let i = 0;
      const path = endpoint.path.replace(/\{[^}]+\}/g, () => params[i++]!);
      const headers: Record<string, string> = {};
      if (contentType !== undefined) headers['content-type'] = contentType;
      if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
      const withBody = method !== 'GET' && body !== undefined;
      return {
        method: method as InjectOptions['method'],
        url: query === undefined ? path : `${path}?${query}`,
        headers,
        ...(withBody ? { payload: body } : {}),
      };
    });
}

/** What a response must never reveal. */
const INTERNALS = /\bat .+:\d+:\d+|prisma|SELECT |INSERT |UPDATE |postgres|ECONNREFUSED|node_modules/i;

/** Responses by status code, to show what the barrage reached (reported at the end). */
const statuses = new Map<number, number>();

async function checkResponse(options: InjectOptions): Promise<void> {
  const response = await ctx.app.inject(options);
  statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
  const what = `${options.method} ${options.url} (${JSON.stringify(options.headers)}) → ${response.statusCode} ${response.body.slice(0, 300)}`;
  assert.ok(response.statusCode < 500, `no 5xx: ${what}`);
  if (response.statusCode >= 400) {
    assert.match(String(response.headers['content-type']), /^application\/json/, `JSON error: ${what}`);
    const parsed = errorBodySchema.safeParse(response.json());
    assert.ok(parsed.success, `the error shape: ${what}`);
    assert.doesNotMatch(parsed.data.error.message, INTERNALS, `nothing internal: ${what}`);
    for (const detail of parsed.data.error.details ?? []) assert.doesNotMatch(detail.message, INTERNALS, `nothing internal: ${what}`);
  }
}

before(async () => {
  ctx = await startTestApp({ BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) });
  storedIds = await seedExperiments();
  const document = (await ctx.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
  endpoints = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
  );
  before_ = await databaseSnapshot(ctx.app.prisma);
});
after(async () => {
  await ctx.close();
});

describe('hostile input', () => {
  test('the endpoints under test are the documented ones', () => {
    assert.ok(endpoints.length >= 10, `found ${endpoints.length} endpoints`);
    assert.ok(endpoints.some((e) => e.method === 'POST' && e.path === '/v1/experiments'));
  });

  test(`every endpoint, ${RUNS_PER_ENDPOINT} random requests each: no 5xx, one error shape, nothing internal`, async (t) => {
    for (const endpoint of endpoints) {
      await fc.assert(fc.asyncProperty(requestFor(endpoint), checkResponse), { numRuns: RUNS_PER_ENDPOINT });
    }
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    t.diagnostic(`${total} requests on ${endpoints.length} endpoints; by status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    assert.ok([...statuses.keys()].some((status) => status < 300), 'some requests were valid and served');
  });

  test('routes that do not exist and odd URLs get the error shape too', async () => {
    const url = fc.oneof(
      fc.webPath(),
      fc.array(fc.oneof(nastyStrings.map(encodeURIComponent), fc.constantFrom('v1', 'experiments', 'sweeps', '..')), { maxLength: 5 }).map((parts) => `/${parts.join('/')}`),
    );
    await fc.assert(
      fc.asyncProperty(url, fc.constantFrom('GET', 'POST', 'DELETE', 'OPTIONS', 'HEAD'), async (path, method) => {
        const response = await ctx.app.inject({ method: method as InjectOptions['method'], url: path || '/' });
        assert.ok(response.statusCode < 500, `${method} ${path} → ${response.statusCode}`);
        if (response.statusCode >= 400 && method !== 'HEAD') assert.ok(errorBodySchema.safeParse(response.json()).success, `${method} ${path}`);
      }),
      { numRuns: RUNS_PER_ENDPOINT },
    );
  });

  test('nothing stored before the barrage changed (new experiments from valid bodies are allowed)', async () => {
    const now = await databaseSnapshot(ctx.app.prisma);
    for (const [table, rows] of before_) {
      const after = now.get(table) ?? new Set<string>();
      const changed = [...rows].filter((row) => !after.has(row));
      assert.deepEqual(changed, [], `rows of ${table} changed or vanished`);
    }
  });
});
