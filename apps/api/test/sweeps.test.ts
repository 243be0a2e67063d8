import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { LOCAL_TENANT, SEED_SPEC, TRAIN_JOB_NAME, trainJobId, type ErrorBody, type EpochMetrics, type Sweep } from '@lab/contracts';
import { StoredRuns } from './stored-runs.ts';
import { startTestApp, type TestApp } from './test-app.ts';

let ctx: TestApp;
let noRedis: TestApp;
let runs: StoredRuns;
const http = () => request(ctx.app.server);

before(async () => {
  ctx = await startTestApp();
  runs = new StoredRuns(ctx.app);
  // Port 1 refuses connections: Redis is unreachable while Postgres is fine.
  noRedis = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
});
after(async () => {
  runs.close();
  await ctx.close();
  await noRedis.close();
});

/** What Postgres and the queue hold: a rejected request must change none of it. */
async function storedState() {
  const [sweeps, experiments, jobs] = await Promise.all([
    ctx.app.prisma.sweep.count(),
    ctx.app.prisma.experiment.count(),
    ctx.app.trainingQueue.queue.count(),
  ]);
  return { sweeps, experiments, jobs };
}

async function submit(body: object): Promise<{ id: string; experimentIds: string[] }> {
  const response = await http().post('/v1/sweeps').send(body).expect(202);
  return response.body;
}

const getSweep = async (id: string): Promise<Sweep> => (await http().get(`/v1/sweeps/${id}`).expect(200)).body;

function assertError(body: ErrorBody, code: string, paths: string[]): void {
  assert.equal(body.error.code, code);
  assert.deepEqual(body.error.details?.map((detail) => detail.path).sort(), [...paths].sort(), JSON.stringify(body.error));
}

/** The jobs BullMQ would still hand to a worker, or holds: none may remain for a cancelled sweep. */
async function liveJobs(): Promise<number> {
  const counts = await ctx.app.trainingQueue.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/** Writes an epoch as a worker would (metrics only), so the summary has a history to work from. */
/** Stores an epoch as a worker would (claiming the run first): through the engine, like every change. */
async function storeEpoch(experimentId: string, epoch: number, values: Partial<EpochMetrics>): Promise<void> {
  const metrics = { loss: 0.5, accuracy: 0.9, crossEntropy: 0.4, penalty: 0.1, valLoss: 0.6, valAccuracy: 0.85, valCrossEntropy: 0.5, valPenalty: 0.1, durationMs: 10, ...values };
  await runs.recordEpoch(experimentId, { epoch, ...metrics });
}

describe('POST /v1/sweeps', () => {
  test('stores the sweep and one experiment per λ and seed, queues each as an ordinary training job', async () => {
    const response = await http()
      .post('/v1/sweeps')
      .send({ name: 'grid', base: { epochs: 3, trainLimit: 500 }, lambdas: [0, 1e-4], seeds: [7, 3] })
      .expect(202);
    const { id, status, experimentIds } = response.body;
    assert.equal(status, 'queued');
    assert.equal(response.headers.location, `/v1/sweeps/${id}`);
    assert.equal(experimentIds.length, 4);

    // λ by λ, seeds ascending within a λ.
    const runs = await Promise.all((experimentIds as string[]).map((runId) => ctx.app.reads.experiments.get(LOCAL_TENANT, runId)));
    assert.deepEqual(runs.map((run) => [run?.spec.lambda, run?.spec.seed]), [[0, 3], [0, 7], [1e-4, 3], [1e-4, 7]]);
    const first = runs[0]!;
    assert.equal(first.status, 'queued');
    assert.equal(first.name, 'grid: λ = 0, seed 3');
    assert.deepEqual(first.spec, {
      lambda: 0,
      seed: 3,
      name: 'grid: λ = 0, seed 3',
      epochs: 3,
      trainLimit: 500,
      batchSize: SEED_SPEC.batchSize,
      learningRate: SEED_SPEC.learningRate,
      hiddenLayers: [...SEED_SPEC.hiddenLayers],
    });
    const stored = await ctx.app.prisma.experiment.findMany({ where: { sweepId: id }, select: { id: true } });
    assert.deepEqual(stored.map((row) => row.id).sort(), [...experimentIds].sort(), 'every run carries the sweep id');

    for (const runId of experimentIds as string[]) {
      const job = await ctx.app.trainingQueue.queue.getJob(trainJobId(runId));
      assert.ok(job, 'each run has its training job');
      assert.equal(job.name, TRAIN_JOB_NAME);
      assert.deepEqual(job.data, { experimentId: runId, requestId: response.headers['x-request-id'] });
      assert.equal(await job.getState(), 'prioritized');
    }

    const sweep = await getSweep(id);
    assert.equal(sweep.status, 'queued');
    assert.deepEqual(sweep.progress, { done: 0, total: 4, byStatus: { queued: 4, running: 0, completed: 0, failed: 0, cancelled: 0, pruned: 0 } });
    assert.deepEqual(sweep.spec.lambdas, [0, 1e-4]);
    assert.deepEqual(sweep.spec.seeds, [3, 7]);
    assert.deepEqual(sweep.rows.map((row) => [row.lambda, row.partial, row.runs.map((run) => run.status), row.summary]), [
      [0, true, ['queued', 'queued'], null],
      [1e-4, true, ['queued', 'queued'], null],
    ]);
    assert.equal(sweep.recommendation, null);
    assert.equal(sweep.answer, null);
  });

  test('a logspace takes base-10 exponents; without seeds every λ runs once, all with one seed', async () => {
    const { id, experimentIds } = await submit({ lambdas: { logspace: { from: -6, to: -3, count: 4 } } });
    const sweep = await getSweep(id);
    assert.deepEqual(sweep.spec.lambdas, [1e-6, 1e-5, 1e-4, 1e-3]);
    assert.deepEqual(sweep.spec.grid, { logspace: { from: -6, to: -3, count: 4 } });
    const runs = await Promise.all(experimentIds.map((runId) => ctx.app.reads.experiments.get(LOCAL_TENANT, runId)));
    assert.deepEqual(runs.map((run) => run?.spec.lambda), [1e-6, 1e-5, 1e-4, 1e-3]);
    const seeds = new Set(runs.map((run) => run?.spec.seed));
    assert.equal(seeds.size, 1, 'runs differ by λ alone');
    assert.deepEqual(sweep.spec.seeds, [...seeds]);

    const fixed = await submit({ base: { seed: 42 }, lambdas: [1e-5, 0] });
    const fixedRuns = await Promise.all(fixed.experimentIds.map((runId) => ctx.app.reads.experiments.get(LOCAL_TENANT, runId)));
    assert.deepEqual(fixedRuns.map((run) => [run?.spec.lambda, run?.spec.seed]), [[1e-5, 42], [0, 42]], 'the order of the λ list is kept');
  });

  test('rejects invalid bodies with 400 naming each field, and stores and queues nothing', async () => {
    const before = await storedState();
    const manyLambdas = Array.from({ length: 101 }, (_, index) => index * 1e-6);
    const cases: Array<[object | string, string[]]> = [
      [{ lambdas: [] }, ['body.lambdas']],
      [{ lambdas: [1e-5, -1] }, ['body.lambdas[1]']],
      // JSON has no Infinity, but 1e999 parses to it.
      ['{"lambdas":[1e-5,1e999]}', ['body.lambdas']],
      [{ lambdas: [1e-5, 'x'] }, ['body.lambdas']],
      [{ lambdas: [1e-5, 1e-5] }, ['body.lambdas']],
      [{ lambdas: manyLambdas }, ['body.lambdas']],
      [{ lambdas: Array.from({ length: 11 }, (_, index) => index * 1e-6), seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, ['body.seeds']],
      [{ lambdas: { logspace: { from: -6, to: -3, count: 40 } }, seeds: [1, 2, 3] }, ['body.seeds']],
      [{ lambdas: { logspace: { from: -3, to: -6, count: 4 } } }, ['body.lambdas.logspace.to']],
      [{ lambdas: { logspace: { from: -6, to: -3, count: 1 } } }, ['body.lambdas.logspace.count']],
      [{ lambdas: { logspace: { from: -6, to: -3, count: 101 } } }, ['body.lambdas.logspace.count']],
      [{ lambdas: { logspace: { from: -20, to: -3, count: 4 } } }, ['body.lambdas.logspace.from']],
      [{ lambdas: { logspace: { from: -6, to: 4, count: 4 } } }, ['body.lambdas.logspace.to']],
      [{ lambdas: { logspace: { from: -6, to: -3 } } }, ['body.lambdas']],
      [{ lambdas: [0], base: { seed: 1 }, seeds: [1, 2] }, ['body.base.seed']],
      [{ lambdas: [0], seeds: [1, 1] }, ['body.seeds']],
      [{ lambdas: [0], base: { lambda: 1e-5 } }, ['body.base.lambda']],
      [{ lambdas: [0], base: { name: 'runs are named by the sweep' } }, ['body.base.name']],
      [{ lambdas: [0], base: { epochs: 0 } }, ['body.base.epochs']],
      [{ lambdas: [0], name: 'x'.repeat(161) }, ['body.name']],
      [{ lambdas: [0], extra: true }, ['body.extra']],
      [{}, ['body.lambdas']],
    ];
    for (const [body, paths] of cases) {
      const response = await http().post('/v1/sweeps').set('content-type', 'application/json').send(typeof body === 'string' ? body : JSON.stringify(body)).expect(400);
      assertError(response.body, 'validation_error', paths);
    }
    const tooMany = await http().post('/v1/sweeps').send({ lambdas: { logspace: { from: -6, to: -3, count: 40 } }, seeds: [1, 2, 3] }).expect(400);
    assert.match(tooMany.body.error.details[0].message, /120 runs; a sweep may have at most 100/);
    assert.deepEqual(await storedState(), before);
  });

  test('the same Idempotency-Key and body return the first sweep; another body is a 409', async () => {
    const body = { lambdas: [0, 1e-5], base: { epochs: 2 } };
    const first = await http().post('/v1/sweeps').set('idempotency-key', 'sweep-once').send(body).expect(202);
    const before = await storedState();
    const again = await http().post('/v1/sweeps').set('idempotency-key', 'sweep-once').send(body).expect(202);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body.id, first.body.id);
    assert.deepEqual(again.body.experimentIds, first.body.experimentIds);
    assert.deepEqual(await storedState(), before, 'nothing new stored or queued');
    await http().post('/v1/sweeps').set('idempotency-key', 'sweep-once').send({ ...body, lambdas: [0] }).expect(409);
  });

  test('202 while Redis is unreachable: the sweep and every run are stored, queued', async () => {
    const response = await request(noRedis.app.server).post('/v1/sweeps').send({ lambdas: [0, 1e-5] }).expect(202);
    const runs = await noRedis.app.prisma.experiment.findMany({ where: { sweepId: response.body.id }, select: { status: true, errorMessage: true } });
    assert.deepEqual(runs, [
      { status: 'queued', errorMessage: null },
      { status: 'queued', errorMessage: null },
    ]);
    const { body } = await request(noRedis.app.server).get(`/v1/sweeps/${response.body.id}`).expect(200);
    assert.equal(body.status, 'queued');
  });
});

describe('GET /v1/sweeps/:id summary', () => {
  test('is computed from the stored history, partial while runs go on, with mean ± sd and a recommendation', async () => {
    const { id, experimentIds } = await submit({ lambdas: [0, 1e-3], seeds: [1, 2], base: { epochs: 2 } });
    const [zero1, zero2, big1, big2] = experimentIds as [string, string, string, string];
    // λ = 0 overfits: training accuracy far above validation. λ = 1e-3 keeps them close.
    await storeEpoch(zero1, 1, { accuracy: 0.8, valAccuracy: 0.8, valCrossEntropy: 0.5 });
    await storeEpoch(zero1, 2, { accuracy: 0.95, valAccuracy: 0.84, valCrossEntropy: 0.45 });
    await storeEpoch(zero2, 1, { accuracy: 0.82, valAccuracy: 0.86, valCrossEntropy: 0.42 });
    await storeEpoch(big1, 1, { accuracy: 0.8, valAccuracy: 0.8, loss: 1, penalty: 0.5 });

    let sweep = await getSweep(id);
    assert.equal(sweep.status, 'running');
    const [zeroRow, bigRow] = sweep.rows;
    assert.equal(zeroRow!.partial, true);
    assert.deepEqual(zeroRow!.runs.map((run) => [run.seed, run.status, run.progress.epoch, run.stats?.epochs]), [
      [1, 'running', 2, 2],
      [2, 'running', 1, 1],
    ]);
    const finalVal = zeroRow!.summary!.finalValAccuracy;
    assert.ok(Math.abs(finalVal.mean - 0.85) < 1e-12);
    assert.ok(Math.abs(finalVal.sd! - Math.SQRT2 * 0.01) < 1e-12, 'sample sd of 0.84 and 0.86');
    assert.equal(zeroRow!.runs[0]!.stats!.bestEpoch, 2);
    assert.ok(Math.abs(zeroRow!.runs[0]!.stats!.gapAtEnd - 0.11) < 1e-12);
    assert.equal(bigRow!.summary!.finalValAccuracy.n, 1, 'the queued run has no epoch yet');
    assert.equal(bigRow!.summary!.finalValAccuracy.sd, null);
    assert.equal(bigRow!.summary!.penaltyShare.mean, 0.5);
    assert.equal(sweep.recommendation?.partial, true);
    assert.equal(sweep.recommendation?.best.lambda, 0);

    // Every run completes: nothing is partial any more.
    await storeEpoch(zero2, 2, { accuracy: 0.9, valAccuracy: 0.83 });
    await storeEpoch(big1, 2, { accuracy: 0.87, valAccuracy: 0.86 });
    await storeEpoch(big2, 1, { accuracy: 0.86, valAccuracy: 0.86 });
    await storeEpoch(big2, 2, { accuracy: 0.88, valAccuracy: 0.87 });
    for (const runId of experimentIds) await runs.complete(runId);
    sweep = await getSweep(id);
    assert.equal(sweep.status, 'completed');
    assert.deepEqual(sweep.progress.done, 4);
    assert.ok(sweep.rows.every((row) => !row.partial));
    assert.equal(sweep.recommendation?.partial, false);
    assert.equal(sweep.recommendation?.best.lambda, 1e-3);
    assert.ok(Math.abs(sweep.recommendation!.best.valAccuracy.mean - 0.865) < 1e-12);
    assert.equal(sweep.recommendation?.oneStandardError?.lambda, 1e-3);

    const plot = await http().get(`/v1/sweeps/${id}/plot.svg`).expect(200).expect('content-type', /^image\/svg\+xml/);
    const svg = String(plot.body); // supertest buffers image/* bodies
    assert.match(svg, /^<svg[\s\S]*<\/svg>\s*$/);
    assert.match(svg, /λ = 1e-3: validation accuracy 0\.8650 ± 0\.0071/, 'the plot shows the summary rows');

    const listed = await http().get(`/v1/experiments?sweepId=${id}`).expect(200);
    assert.equal(listed.body.total, 4);
    assert.deepEqual(listed.body.items.map((item: { id: string }) => item.id).sort(), [...experimentIds].sort());
    await http().get('/v1/experiments?sweepId=nope').expect(400);
  });

  test('a sweep with no data yet still plots (an empty chart)', async () => {
    const { id } = await submit({ lambdas: [0] });
    const plot = await http().get(`/v1/sweeps/${id}/plot.svg`).expect(200).expect('content-type', /^image\/svg\+xml/);
    assert.match(String(plot.body), /^<svg/);
  });
});

describe('GET /v1/sweeps/:id/report', () => {
  test('the answer in the Markdown report is the text GET /v1/sweeps/:id answers, with how the runs trained', async () => {
    const { id, experimentIds } = await submit({ lambdas: [0, 1e-3], seeds: [1, 2], base: { epochs: 1, trainLimit: 500 } });
    const report = async (query = '') => (await http().get(`/v1/sweeps/${id}/report${query}`).expect(200).expect('content-type', 'text/markdown; charset=utf-8')).text;
    assert.match(await report(), /## The answer\n\nToo few λ values have results to compare yet\./);

    // λ = 0 overfits (10 points); λ = 1e-3 closes the gap without losing validation accuracy.
    const outcomes: Array<[number, number]> = [[0.96, 0.86], [0.95, 0.85], [0.88, 0.87], [0.87, 0.86]];
    const start = Date.UTC(2026, 0, 1, 12, 0);
    for (const [index, runId] of experimentIds.entries()) {
      const [accuracy, valAccuracy] = outcomes[index]!;
      await storeEpoch(runId, 1, { accuracy, valAccuracy });
      await runs.complete(runId);
      // Two runs at a time, 10 minutes each: 20 minutes in all. Times as a real sweep's (the engine
      // stamps the database's clock); written before the sweep is read again, so no read holds older ones.
      const startedAt = new Date(start + Math.floor(index / 2) * 600_000);
      await ctx.app.prisma.experiment.update({
        where: { id: runId },
        data: { backend: 'wasm', tfjsVersion: '4.22.0', datasetSource: 'npm-package', datasetVersion: 'v-test', startedAt, finishedAt: new Date(startedAt.getTime() + 600_000) },
      });
    }
    const { answer } = await getSweep(id);
    assert.ok(answer);
    assert.equal(answer.verdict, 'reduces_overfitting');
    assert.equal(answer.gap.trend, 'narrows');
    assert.match(answer.text, /^With λ = 0, training accuracy ends 10\.0 points above validation accuracy/);

    const markdown = await report();
    const paragraph = markdown.split('## The answer\n\n')[1]?.split('\n\n')[0];
    assert.equal(paragraph, answer.text, 'the report quotes the API’s answer');
    assert.ok(markdown.includes(`\n**In short:** ${answer.inShort}\n`));
    assert.match(markdown, /\| 1e-3 \| 2\/2 \| 87\.50 ± 0\.71 \| 86\.50 ± 0\.71 \|/);
    assert.match(markdown, /\| backend \| wasm \(tfjs 4\.22\.0\) \|/);
    assert.match(markdown, /\| dataset \| npm-package, version `v-test` \|/);
    assert.match(markdown, /\| wall time \| 20\.0 min, from the first start \(2026-01-01 12:00 UTC\) to the last finish \(2026-01-01 12:20 UTC\) \|/);
    assert.match(markdown, /\| runs at once \| at most 2 \|/);
    assert.match(markdown, /\*\*Shortened run:\*\* 1 epoch instead of 40, the first 500 training images only\./);
    assert.match(markdown, /!\[[^\]]*\]\(plot\.svg\)\n$/, 'by default the link reaches this sweep’s plot route');
    assert.match(await report('?plotHref=lambda-sweep.svg'), /\]\(lambda-sweep\.svg\)\n$/);

    for (const plotHref of ['javascript:alert(1)', '//elsewhere/x.svg', 'a b.svg', 'x'.repeat(201)]) {
      const response = await http().get(`/v1/sweeps/${id}/report`).query({ plotHref }).expect(400);
      assertError(response.body, 'validation_error', ['query.plotHref']);
    }
  });
});

describe('GET /v1/sweeps', () => {
  test('lists sweeps newest first with status and progress, paginated', async () => {
    const a = await submit({ lambdas: [0], name: 'older' });
    const b = await submit({ lambdas: [0, 1e-5], name: 'newer' });
    const { body } = await http().get('/v1/sweeps?limit=2&offset=0').expect(200);
    assert.equal(body.limit, 2);
    assert.ok(body.total >= 2);
    assert.deepEqual(body.items.map((item: { id: string }) => item.id), [b.id, a.id]);
    assert.equal(body.items[0].progress.total, 2);
    assert.equal(body.items[0].status, 'queued');
    assert.equal(body.items[0].rows, undefined, 'the list carries no summaries');
    const next = await http().get('/v1/sweeps?limit=1&offset=1').expect(200);
    assert.equal(next.body.items[0].id, a.id);
    await http().get('/v1/sweeps?limit=0').expect(400);
  });

  test('unknown ids are 404 and malformed ones 400, in the error shape', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const path of [`/v1/sweeps/${unknown}`, `/v1/sweeps/${unknown}/plot.svg`, `/v1/sweeps/${unknown}/report`]) {
      const response = await http().get(path).expect(404);
      assert.equal(response.body.error.code, 'not_found');
    }
    await http().post(`/v1/sweeps/${unknown}/cancel`).expect(404);
    const malformed = await http().get('/v1/sweeps/not-a-uuid').expect(400);
    assertError(malformed.body, 'validation_error', ['params.id']);
  });
});

describe('POST /v1/sweeps/:id/cancel', () => {
  test('cancels every unfinished run and removes its job: nothing is left queued or running', async () => {
    const before = await liveJobs();
    const { id, experimentIds } = await submit({ lambdas: [0, 1e-5, 1e-4], seeds: [1, 2] });
    assert.equal(await liveJobs(), before + 6);
    // One run already finished: cancelling the sweep leaves it as it is.
    await runs.complete(experimentIds[0]!);

    const { body } = await http().post(`/v1/sweeps/${id}/cancel`).expect(200);
    assert.equal(body.status, 'cancelled');
    assert.deepEqual(body.progress.byStatus, { queued: 0, running: 0, completed: 1, failed: 0, cancelled: 5, pruned: 0 });
    const unfinished = await ctx.app.prisma.experiment.count({ where: { sweepId: id, status: { in: ['queued', 'running'] } } });
    assert.equal(unfinished, 0);
    for (const runId of experimentIds.slice(1)) assert.equal(await ctx.app.trainingQueue.queue.getJob(trainJobId(runId)), undefined);
    assert.equal(await liveJobs(), before + 1, 'only the completed run’s job is left (a worker would skip it)');

    const again = await http().post(`/v1/sweeps/${id}/cancel`).expect(200);
    assert.equal(again.body.status, 'cancelled', 'cancelling twice is harmless');
  });

  test('a sweep that has already completed is a 409', async () => {
    const { id, experimentIds } = await submit({ lambdas: [0] });
    await runs.complete(experimentIds[0]!);
    const response = await http().post(`/v1/sweeps/${id}/cancel`).expect(409);
    assert.equal(response.body.error.code, 'conflict');
  });
});
