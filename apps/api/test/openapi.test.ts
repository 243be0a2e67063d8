import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { OpenAPI3, OperationObject, ReferenceObject, ResponseObject } from 'openapi-typescript';
import { ERROR_CODES, EXPERIMENT_STATUSES } from '@lab/contracts';
import { GENERATED_TYPES_FILE, generatedTypes, redoclyLint, servedDocument } from './openapi-document.ts';
import { startTestApp, type TestApp } from './test-app.ts';

let served: TestApp;
let document: OpenAPI3;

before(async () => {
  served = await startTestApp({ AUTH: 'enabled' });
  document = await servedDocument(served.app);
});
after(() => served.close());

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const RATE_LIMIT_FIELDS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

function operations(): Array<{ key: string; path: string; operation: OperationObject }> {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = (item as Record<string, OperationObject | undefined>)[method];
      return operation === undefined ? [] : [{ key: `${method.toUpperCase()} ${path}`, path, operation }];
    }),
  );
}

/** A response with its `$ref` (to components.responses) followed. */
function response(operation: OperationObject, status: string): ResponseObject | undefined {
  const found = operation.responses?.[status] as ResponseObject | ReferenceObject | undefined;
  if (found === undefined || !('$ref' in found)) return found;
  return document.components?.responses?.[found.$ref.split('/').pop()!] as ResponseObject;
}

const operation = (key: string): OperationObject => {
  const found = operations().find((entry) => entry.key === key);
  assert.ok(found, `${key} is documented`);
  return found.operation;
};

test('redocly lint with the recommended rules finds nothing in the served document', async () => {
  const { errors, warnings } = await redoclyLint(document);
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, []);
});

test('the committed client types are what openapi-typescript generates from the served document', async () => {
  const expected = await generatedTypes(document);
  if (process.env.UPDATE_OPENAPI_TYPES === '1') await writeFile(GENERATED_TYPES_FILE, expected);
  const committed = await readFile(GENERATED_TYPES_FILE, 'utf8').catch(() => '');
  assert.ok(committed === expected, `${GENERATED_TYPES_FILE} is stale: run this test with UPDATE_OPENAPI_TYPES=1 and commit it`);
});

test('every route is documented once, each with its own operationId, and all but the probes with their 4xx', () => {
  assert.deepEqual(Object.keys(document.paths ?? {}).sort(), [
    '/healthz',
    '/metrics',
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
  const all = operations();
  assert.equal(all.length, 28);
  const ids = all.map(({ operation }) => operation.operationId);
  assert.ok(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id)), 'every operation has a camelCase operationId');
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  for (const { key, operation } of all.filter(({ path }) => path !== '/healthz' && path !== '/readyz')) {
    const statuses = Object.keys(operation.responses ?? {});
    assert.ok(statuses.some((status) => status.startsWith('4')), `${key} documents its 4xx`);
    if (key.startsWith('GET /v1') || key.startsWith('POST /v1')) {
      for (const status of ['401', '403', '429']) assert.ok(statuses.includes(status), `${key} documents ${status}: its key is checked`);
    }
  }
});

test('the error envelope, the experiment and the sweep are named components, referenced, never inlined', () => {
  const schemas = document.components?.schemas ?? {};
  for (const name of ['Error', 'ErrorCode', 'Experiment', 'ExperimentSpec', 'ExperimentList', 'History', 'Evaluation', 'Sweep', 'SweepRequest', 'SweepList', 'ApiKey']) {
    assert.ok(name in schemas, `components.schemas.${name}`);
  }
  const text = JSON.stringify(document.paths);
  assert.ok(!text.includes('"error":{'), 'no operation inlines the error envelope');
  // An input keeps its suffix only where it differs from its output (defaults are optional going in).
  assert.deepEqual(Object.keys(schemas).filter((name) => name.endsWith('Input')), ['EarlyStoppingInput', 'PruningInput']);
  assert.deepEqual(response(operation('GET /v1/experiments/{id}'), '404')?.content?.['application/json']?.schema, { $ref: '#/components/schemas/Error' });
  assert.deepEqual(operation('POST /v1/sweeps').requestBody, {
    required: true,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/SweepRequest' } } },
  });
  // The error code is one enum, the contracts' list.
  const error = schemas.Error as unknown as { properties: { error: { properties: { code: unknown } } } };
  assert.deepEqual(error.properties.error.properties.code, { $ref: '#/components/schemas/ErrorCode' });
  assert.deepEqual((schemas.ErrorCode as { enum: string[] }).enum, [...ERROR_CODES]);
  // A sweep's runs per status: an object whose keys are the statuses, each required.
  const byStatus = (schemas.SweepProgress as unknown as { properties: { byStatus: { properties: object; required: string[] } } }).properties.byStatus;
  assert.deepEqual(Object.keys(byStatus.properties), [...EXPERIMENT_STATUSES]);
  assert.deepEqual(byStatus.required, [...EXPERIMENT_STATUSES]);
  const spec = schemas.ExperimentSpec as unknown as { required: string[]; properties: { epochs: { default: number } }; additionalProperties: boolean };
  assert.ok(spec.required.includes('lambda'));
  assert.equal(spec.properties.epochs.default, 40);
  assert.equal(spec.additionalProperties, false, 'unknown fields are rejected, and documented so');
});

test('each body is documented with the media type the route sends', () => {
  const typesOf = (key: string) => Object.keys(response(operation(key), '200')?.content ?? {});
  for (const key of ['GET /v1/experiments/{id}/plots/loss.svg', 'GET /v1/experiments/{id}/plots/accuracy.svg', 'GET /v1/experiments/{id}/plots/predictions.svg', 'GET /v1/sweeps/{id}/plot.svg']) {
    assert.deepEqual(typesOf(key), ['image/svg+xml'], key);
  }
  assert.deepEqual(typesOf('GET /v1/sweeps/{id}/report'), ['text/markdown']);
  assert.deepEqual(typesOf('GET /v1/experiments/{id}/events'), ['text/event-stream']);
  assert.deepEqual(typesOf('GET /v1/sweeps/{id}/events'), ['text/event-stream']);
  assert.deepEqual(typesOf('GET /v1/experiments/{id}/model/group1-shard1of1.bin'), ['application/octet-stream']);
  assert.deepEqual(typesOf('GET /metrics'), ['text/plain']);
  assert.deepEqual(typesOf('GET /v1/experiments/{id}'), ['application/json']);
});

test('response headers: Location and Idempotent-Replayed on submissions, ETag and 304 on conditional GETs, Retry-After on 503 and 429, RateLimit-* on counted /v1 answers, X-Request-Id on all', () => {
  const headersOf = (key: string, status: string) => Object.keys(response(operation(key), status)?.headers ?? {});
  for (const key of ['POST /v1/experiments', 'POST /v1/sweeps']) {
    assert.deepEqual(headersOf(key, '202').sort(), ['Idempotent-Replayed', 'Location', ...RATE_LIMIT_FIELDS, 'X-Request-Id']);
    assert.ok(operation(key).parameters?.some((parameter) => 'name' in parameter && parameter.name === 'idempotency-key'), `${key} takes Idempotency-Key`);
  }
  const conditional = operations().filter(({ operation }) => '304' in (operation.responses ?? {}));
  assert.equal(conditional.length, 14);
  for (const { key, operation } of conditional) {
    assert.ok(key.startsWith('GET '), key);
    assert.deepEqual(headersOf(key, '200').sort(), ['Cache-Control', 'ETag', ...RATE_LIMIT_FIELDS, 'X-Request-Id'], key);
    assert.equal(response(operation, '304')?.content, undefined, `${key}: a 304 has no body`);
    assert.ok(operation.parameters?.some((parameter) => 'name' in parameter && parameter.name === 'if-none-match'), `${key} takes If-None-Match`);
  }
  for (const { key, operation } of operations()) {
    for (const status of Object.keys(operation.responses ?? {})) {
      const headers = headersOf(key, status);
      assert.ok(headers.includes('X-Request-Id'), `${key} ${status} names X-Request-Id`);
      if (status === '503' || status === '429') assert.ok(headers.includes('Retry-After'), `${key} ${status} names Retry-After`);
      if (status === '401') assert.ok(headers.includes('WWW-Authenticate'), `${key} 401 names WWW-Authenticate`);
      // The rate limit counts every guarded request that gets through: its answers say how many are left.
      if (/^(2\d\d|304)$/.test(status)) assert.equal(RATE_LIMIT_FIELDS.every((field) => headers.includes(field)), key.includes(' /v1/'), `${key} ${status} RateLimit-*`);
    }
  }
});

test('security: a tenant key by default, admin and metrics keys where they apply, access_token on event streams, none on the probes', () => {
  assert.deepEqual(document.security, [{ tenantKey: [] }]);
  assert.deepEqual(Object.keys(document.components?.securitySchemes ?? {}).sort(), ['accessToken', 'adminKey', 'metricsKey', 'tenantKey']);
  assert.deepEqual(operation('POST /v1/admin/keys').security, [{ adminKey: [] }]);
  assert.deepEqual(operation('GET /metrics').security, [{ metricsKey: [] }]);
  assert.deepEqual(operation('GET /v1/sweeps/{id}/events').security, [{ tenantKey: [] }, { accessToken: [] }]);
  assert.deepEqual(operation('GET /healthz').security, []);
});

test("info.version is the API package's version; the server is / unless PUBLIC_URL names one", async () => {
  const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(document.info.version, version);
  assert.deepEqual(document.servers?.map((server) => server.url), ['/']);
  const behindProxy = await startTestApp({ PUBLIC_URL: 'https://lab.example.com/' });
  try {
    assert.deepEqual((await servedDocument(behindProxy.app)).servers, [{ url: 'https://lab.example.com' }]);
  } finally {
    await behindProxy.close();
  }
});

test('a POST that takes no body accepts Content-Type: application/json with an empty one; other bodies are still checked', async () => {
  const key = await served.createKey('openapi-tenant');
  const auth = { authorization: `Bearer ${key}` };
  const submitted = await served.app.inject({ method: 'POST', url: '/v1/experiments', headers: auth, payload: { lambda: 0, epochs: 1 } });
  assert.equal(submitted.statusCode, 202);
  const id = submitted.json<{ id: string }>().id;
  const cancelled = await served.app.inject({ method: 'POST', url: `/v1/experiments/${id}/cancel`, headers: { ...auth, 'content-type': 'application/json' }, payload: '' });
  assert.equal(cancelled.statusCode, 200, cancelled.body);
  assert.equal(cancelled.json<{ status: string }>().status, 'cancelled');

  const malformed = await served.app.inject({ method: 'POST', url: `/v1/experiments/${id}/cancel`, headers: { ...auth, 'content-type': 'application/json' }, payload: '{' });
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json<{ error: { code: string } }>().error.code, 'invalid_json');
  const poisoned = await served.app.inject({ method: 'POST', url: '/v1/experiments', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"lambda":0,"__proto__":{"x":1}}' });
  assert.equal(poisoned.statusCode, 400, 'prototype poisoning is still refused');
  const missing = await served.app.inject({ method: 'POST', url: '/v1/experiments', headers: { ...auth, 'content-type': 'application/json' }, payload: '' });
  assert.equal(missing.statusCode, 400);
  assert.deepEqual(missing.json<{ error: { code: string; details: Array<{ path: string }> } }>().error.details.map((detail) => detail.path), ['body']);
});
