import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ApiKeys, createDb, createTestDatabase, type Db, type TestDatabase } from '@lab/db';
import { parseExposition } from '../../apps/api/test/prometheus-text.ts';
import { findFreePort } from '../../scripts/services/free-port.ts';
import { startScriptArguments } from '../../scripts/start-scripts.ts';
import { waitFor } from './harness.ts';
import { spawnWorker, type WorkerProcess } from './worker-process.ts';

/**
 * The operator's view of real processes, as production runs them: the API process with keys on and a
 * worker process training a tiny real run. Keys never reach a log, every request's log lines carry its
 * id and the run's job logs carry the id of the request that submitted it, and both /metrics answer.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tiny = { lambda: 1e-4, epochs: 2, batchSize: 128, hiddenLayers: [32, 16], trainLimit: 1000, testLimit: 500, seed: 1 };
const SUBMIT_REQUEST_ID = 'observability-submit-1';

let database: TestDatabase;
let db: Db;
let api: ChildProcess;
let apiOutput = '';
let worker: WorkerProcess;
let base: string;
const secrets: string[] = [];
let tenantKey: string;
let metricsKey: string;

const logLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const call = (path: string, init: RequestInit & { key?: string } = {}) => {
  const { key, headers, ...rest } = init;
  return fetch(`${base}${path}`, { ...rest, headers: { ...(key === undefined ? {} : { authorization: `Bearer ${key}` }), ...headers } });
};

before(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `lab-obs-${randomBytes(6).toString('hex')}`,
  };
  const port = await findFreePort();
  api = spawn(process.execPath, startScriptArguments('start:api'), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout!.on('data', (chunk: Buffer) => (apiOutput += chunk.toString()));
  api.stderr!.on('data', (chunk: Buffer) => (apiOutput += chunk.toString()));
  process.once('exit', () => api.kill('SIGKILL'));
  base = `http://127.0.0.1:${port}`;
  worker = spawnWorker({ ...env, TFJS_BACKEND: 'wasm' });
  await waitFor(async () => ((await call('/readyz').catch(() => null))?.ok ? true : undefined), 'the API to be ready', 60_000);

  // The operator's first admin key comes from the database (npm run keys); the tenant's from the admin API.
  const keys = new ApiKeys(db.prisma);
  const adminKey = (await keys.create({ scope: 'admin' })).key;
  metricsKey = (await keys.create({ scope: 'metrics' })).key;
  const created = await call('/v1/admin/keys', { method: 'POST', key: adminKey, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'observed' }) });
  assert.equal(created.status, 201);
  tenantKey = ((await created.json()) as { key: string }).key;
  secrets.push(adminKey, metricsKey, tenantKey);
});
after(async () => {
  await worker?.kill('SIGTERM');
  if (api !== undefined && api.exitCode === null) {
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
  }
  await db.close();
  await database.drop();
});

describe('request ids, redacted keys and metrics on real API and worker processes', () => {
  let runId: string;

  test('a tiny run submitted with an X-Request-Id trains; its stream is followed with access_token', async () => {
    const submitted = await call('/v1/experiments', {
      method: 'POST',
      key: tenantKey,
      headers: { 'content-type': 'application/json', 'x-request-id': SUBMIT_REQUEST_ID },
      body: JSON.stringify(tiny),
    });
    assert.equal(submitted.status, 202);
    assert.equal(submitted.headers.get('x-request-id'), SUBMIT_REQUEST_ID);
    runId = ((await submitted.json()) as { id: string }).id;

    const stream = await call(`/v1/experiments/${runId}/events?access_token=${encodeURIComponent(tenantKey)}`);
    assert.equal(stream.status, 200);
    const wrong = 'lab_000000000000_' + 'B'.repeat(43);
    secrets.push(wrong);
    assert.equal((await call('/v1/experiments', { key: wrong })).status, 401);

    const scrapeApi = async () => parseExposition(await (await call('/metrics', { key: metricsKey })).text());
    assert.equal((await scrapeApi()).find('http_open_event_streams')[0]?.value, 1, 'the open stream is counted');
    const events = await stream.text(); // the stream ends after the run's final status
    assert.match(events, /"status":"completed"/);
    await waitFor(async () => ((await scrapeApi()).find('http_open_event_streams')[0]?.value === 0 ? true : undefined), 'the stream to be counted closed', 10_000);
  });

  test("the worker's metrics port: epoch durations and the run's outcome", async () => {
    const served = worker.logs().find((line) => line.msg === 'metrics served');
    assert.ok(served, 'the worker logs where its metrics are');
    const metrics = parseExposition(await (await fetch(String(served.url))).text());
    assert.equal(metrics.types.get('training_epoch_duration_seconds'), 'histogram');
    assert.equal(metrics.find('training_epoch_duration_seconds_count')[0]?.value, tiny.epochs);
    assert.equal(metrics.find('training_runs_finished_total', { outcome: 'completed' })[0]?.value, 1);
    assert.equal(metrics.find('training_runs_finished_total', { outcome: 'failed' })[0]?.value, 0);
    assert.equal(metrics.find('training_threads_started_total')[0]?.value, 1, 'one training thread, set up at start, trained the run');
    assert.ok(metrics.find('nodejs_eventloop_lag_seconds').length === 1);
    assert.ok(metrics.find('process_resident_memory_bytes')[0]!.value > 0);
    assert.equal((await fetch(String(served.url).replace('/metrics', '/elsewhere'))).status, 404);
  });

  test("the job's log lines carry the submitting request's id", () => {
    const runLines = worker.logs().filter((line) => line.experimentId === runId);
    assert.ok(runLines.some((line) => line.msg === 'training completed'));
    for (const line of runLines) assert.equal(line.requestId, SUBMIT_REQUEST_ID, `worker: ${line.msg}`);
  });

  test("every request's API log lines carry its id, and no key is in any log", async () => {
    const lines = logLines(apiOutput);
    const requestLines = lines.filter((line) => line.req !== undefined || line.res !== undefined);
    assert.ok(requestLines.length >= 10, `${requestLines.length} request log lines`);
    for (const line of requestLines) assert.equal(typeof line.requestId, 'string', JSON.stringify(line));
    assert.ok(requestLines.some((line) => line.requestId === SUBMIT_REQUEST_ID && line.msg === 'incoming request'));
    const streamLine = requestLines.find((line) => String((line.req as { url?: string } | undefined)?.url).includes('/events'));
    assert.match(String((streamLine?.req as { url: string }).url), /access_token=\[redacted\]/);
    for (const output of [apiOutput, worker.logs().map((line) => JSON.stringify(line)).join('\n')]) {
      for (const secret of secrets) {
        assert.ok(!output.includes(secret.slice(17)), 'no key secret in a log');
        assert.ok(!output.includes(encodeURIComponent(secret).slice(17)), 'not even URL-encoded');
      }
    }
  });
});
