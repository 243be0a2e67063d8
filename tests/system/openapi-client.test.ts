import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import createClient from 'openapi-fetch';
import type { ErrorCode } from '@lab/contracts';
import type { components, paths } from '../../apps/api/test/openapi-types.ts';
import { startStack, waitFor, type Stack } from './harness.ts';

type Experiment = components['schemas']['Experiment'];

/** Tiny but real runs: 2 epochs on 500 training and 200 test images of the real dataset. */
const tiny = { epochs: 2, batchSize: 100, hiddenLayers: [16], trainLimit: 500, testLimit: 200, seed: 3 };

/**
 * The main flow as a new user drives it: a client generated from the served OpenAPI document
 * (openapi-typescript's types, committed and checked by apps/api/test/openapi.test.ts) and
 * openapi-fetch, against a listening API and a real worker. It compiles only if the document types
 * these calls, and each answer is checked against what the document promised.
 */
describe('a generated typed client (openapi-typescript + openapi-fetch) drives the main flow', () => {
  let stack: Stack;
  let client: ReturnType<typeof createClient<paths>>;
  before(async () => {
    stack = await startStack();
    stack.startWorker();
    await stack.app.listen({ host: '127.0.0.1', port: 0 });
    client = createClient<paths>({ baseUrl: `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}` });
  });
  after(() => stack.close());

  const experimentWhen = (id: string, done: (experiment: Experiment) => boolean, what: string) =>
    waitFor(async () => {
      const { data } = await client.GET('/v1/experiments/{id}', { params: { path: { id } } });
      if (data?.status === 'failed') throw new Error(`run failed: ${data.error}`);
      return data !== undefined && done(data) ? data : undefined;
    }, what);

  it('submits an experiment and reads its status, history, evaluation and plots', async () => {
    const submitted = await client.POST('/v1/experiments', { body: { lambda: 1e-4, name: 'typed client', ...tiny } });
    assert.equal(submitted.response.status, 202);
    assert.ok(submitted.data, 'a 202 body');
    assert.equal(submitted.data.status, 'queued');
    const { id } = submitted.data;
    assert.equal(submitted.response.headers.get('location'), `/v1/experiments/${id}`);
    assert.ok(submitted.response.headers.get('x-request-id'));

    const experiment = await experimentWhen(id, (current) => current.status === 'completed', 'the run to complete');
    assert.deepEqual(experiment.progress, { epoch: 2, epochs: 2 });
    assert.equal(experiment.spec.lambda, 1e-4);

    // A conditional GET: the ETag it answered with gets 304 and no body.
    const read = await client.GET('/v1/experiments/{id}', { params: { path: { id } } });
    const etag = read.response.headers.get('etag');
    assert.ok(etag);
    const unchanged = await client.GET('/v1/experiments/{id}', { params: { path: { id }, header: { 'if-none-match': etag } } });
    assert.equal(unchanged.response.status, 304);

    const history = await client.GET('/v1/experiments/{id}/history', { params: { path: { id }, query: { afterEpoch: 1 } } });
    assert.deepEqual(history.data?.epochs.map((epoch) => epoch.epoch), [2]);

    const evaluation = await client.GET('/v1/experiments/{id}/evaluation', { params: { path: { id } } });
    assert.equal(evaluation.data?.test.examples, 200);
    assert.equal(evaluation.data?.test.accuracy, experiment.results?.testAccuracy);

    // The document says image/svg+xml, so the client is told to read text, and gets the SVG.
    const plot = await client.GET('/v1/experiments/{id}/plots/loss.svg', { params: { path: { id } }, parseAs: 'text' });
    assert.match(plot.response.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    assert.match(plot.data ?? '', /^<svg/);
    assert.ok(plot.data?.includes('Epoch 2, validation loss'));
  });

  it('cancels with Content-Type: application/json and no body', async () => {
    const submitted = await client.POST('/v1/experiments', { body: { lambda: 0, ...tiny, epochs: 200 } });
    const id = submitted.data!.id;
    const cancelled = await client.POST('/v1/experiments/{id}/cancel', { params: { path: { id } }, headers: { 'content-type': 'application/json' } });
    assert.equal(cancelled.response.status, 200, JSON.stringify(cancelled.error));
    assert.equal(cancelled.data?.status, 'cancelled');
  });

  it('submits a sweep and reads its summary and report', async () => {
    const submitted = await client.POST('/v1/sweeps', { body: { name: 'typed sweep', base: tiny, lambdas: [0, 1e-3] } });
    assert.equal(submitted.response.status, 202);
    const { id, experimentIds } = submitted.data!;
    assert.equal(experimentIds.length, 2);
    assert.equal(submitted.response.headers.get('location'), `/v1/sweeps/${id}`);

    const sweep = await waitFor(async () => {
      const { data } = await client.GET('/v1/sweeps/{id}', { params: { path: { id } } });
      return data?.status === 'completed' ? data : undefined;
    }, 'the sweep to complete', 300_000);
    // Named keys, typed: progress.byStatus.completed is a number the client can read.
    assert.equal(sweep.progress.byStatus.completed, 2);
    assert.deepEqual(sweep.rows.map((row) => row.lambda), [0, 1e-3]);
    assert.ok(sweep.recommendation);

    const report = await client.GET('/v1/sweeps/{id}/report', { params: { path: { id } }, parseAs: 'text' });
    assert.match(report.response.headers.get('content-type') ?? '', /^text\/markdown/);
    assert.match(report.data ?? '', /^# How does λ change overfitting\?/);
    assert.ok(report.data?.includes('](plot.svg)'), 'the report links the sweep plot');
  });

  it('answers errors as the Error component, with a code from the one enum', async () => {
    const missing = await client.GET('/v1/experiments/{id}', { params: { path: { id: randomUUID() } } });
    assert.equal(missing.response.status, 404);
    const notFound: ErrorCode | undefined = missing.error?.error.code;
    assert.equal(notFound, 'not_found');

    const invalid = await client.POST('/v1/experiments', { body: { lambda: -1 } });
    assert.equal(invalid.response.status, 400);
    const invalidCode: ErrorCode | undefined = invalid.error?.error.code;
    assert.equal(invalidCode, 'validation_error');
    assert.deepEqual(invalid.error?.error.details?.map((detail) => detail.path), ['body.lambda']);
  });
});
