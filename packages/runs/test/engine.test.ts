import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'bullmq';
import { ZodError } from 'zod';
import {
  CLASS_NAMES,
  experimentSchema,
  experimentSpecSchema,
  LOCAL_TENANT,
  NUM_CLASSES,
  sweepRequestSchema,
  trainJobId,
  type Checkpoint,
  type EpochMetrics,
  type Evaluation,
  type RunEvent,
} from '@lab/contracts';
import { createDb, createTestDatabase, ExperimentReads, type Db, type TestDatabase } from '@lab/db';
import { LeaseLostError, Reconciler, RunEngine, RunEventListener, TrainingQueue, type Attempt, type Log } from '../src/index.ts';
import { writeCheckpoint } from '../src/checkpoints.ts';

/**
 * The engine against the real Postgres and Redis, with no trainer: every state change, lease, fence,
 * event and reconciliation, driven as a worker drives them.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const LEASE_MS = 1_000;
const silent: Log = { debug() {}, info() {}, warn() {}, error() {} };

const spec = (overrides: object = {}) => experimentSpecSchema.parse({ lambda: 1e-5, epochs: 3, ...overrides });
const metrics = (epoch: number, scale = 1): EpochMetrics => ({
  epoch,
  loss: 0.5 * scale,
  accuracy: 0.8,
  crossEntropy: 0.4 * scale,
  penalty: 0.1 * scale,
  valLoss: 0.45,
  valAccuracy: 0.82,
  valCrossEntropy: 0.4,
  valPenalty: 0.05,
  durationMs: 1234.5,
});
const checkpoint = (epoch: number, fill = epoch): Checkpoint => ({
  epoch,
  weights: { specs: [{ name: 'w0', shape: [2, 2], dtype: 'float32' }], data: new Uint8Array(16).fill(fill) },
  optimizer: { specs: [{ name: 'm0', shape: [4], dtype: 'float32' }], data: new Uint8Array(16).fill(fill + 100) },
});
const evaluation: Evaluation = {
  train: { loss: 0.2, accuracy: 0.95, crossEntropy: 0.15, penalty: 0.05, examples: 60_000 },
  test: { loss: 0.36, accuracy: 0.885, crossEntropy: 0.33, penalty: 0.03, examples: 10_000 },
  confusionMatrix: Array.from({ length: NUM_CLASSES }, (_, row) => Array.from({ length: NUM_CLASSES }, (_, column) => (row === column ? 900 : 11))),
  perClassAccuracy: CLASS_NAMES.map((className, classIndex) => ({ classIndex, className, accuracy: 0.9, support: 1000 })),
  evaluationBatchSize: 32,
};
const model = { topology: { class_name: 'Sequential' }, weightSpecs: [], weightData: new Uint8Array(8).fill(3) };
const result = { evaluation, predictions: [], model };

let database: TestDatabase;
let db: Db;
let queue: TrainingQueue;
let engine: RunEngine;
let reads: ExperimentReads;
let listener: RunEventListener;
const events: RunEvent[] = [];
const prefix = `lab-engine-${randomBytes(6).toString('hex')}`;

const submit = async (overrides: object = {}, ownerId = LOCAL_TENANT) => (await engine.submitExperiment({ ownerId, spec: spec(overrides) })).id;
async function claim(id: string): Promise<Attempt> {
  const claimed = await engine.claim(id, 'test-worker');
  if (claimed.outcome !== 'claimed') throw new Error(`expected a claim of ${id}, got ${claimed.outcome}`);
  return claimed.attempt;
}
const row = (id: string) => db.prisma.experiment.findUniqueOrThrow({ where: { id } });
const checkpointEpochs = async (id: string) =>
  (await db.prisma.checkpoint.findMany({ where: { experimentId: id }, select: { epoch: true }, orderBy: { epoch: 'asc' } })).map((c) => c.epoch);
const jobState = (id: string) => queue.queue.getJobState(trainJobId(id));
async function eventually<T>(check: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
const eventsOf = (id: string) => events.filter((event) => event.experimentId === id);

before(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  queue = new TrainingQueue({ redisUrl: REDIS_URL, prefix, log: silent });
  await queue.queue.waitUntilReady();
  engine = new RunEngine({ db, queue, log: silent, policy: { leaseMs: LEASE_MS, maxFailedAttempts: 3 } });
  reads = new ExperimentReads(db.prisma);
  listener = new RunEventListener(database.url, silent);
  listener.on('event', (event) => events.push(event));
  await listener.whenListening();
});
after(async () => {
  await listener.close();
  await listener.close(); // closing twice is harmless
  await queue.queue.obliterate({ force: true });
  await queue.close();
  await db.close();
  await database.drop();
});

describe('submission', () => {
  test('stores a queued run, adds its job and publishes its status, all scoped to its owner', async () => {
    const id = await submit({ name: 'first', seed: 7 });
    const stored = await reads.get(LOCAL_TENANT, id);
    experimentSchema.parse(stored);
    assert.equal(stored?.status, 'queued');
    assert.deepEqual(stored?.spec, { ...spec({ name: 'first' }), seed: 7 });
    assert.equal(await jobState(id), 'prioritized');
    const [event] = await eventually(() => (eventsOf(id).length > 0 ? eventsOf(id) : undefined), 'the queued event');
    assert.deepEqual(event, {
      type: 'status',
      experimentId: id,
      sweepId: null,
      ownerId: LOCAL_TENANT,
      status: 'queued',
      version: 1,
      sweepVersion: null,
      epochsDone: 0,
      epochs: 3,
      error: null,
    });
    assert.equal(await reads.get('another-team', id), null, "another tenant's run is not found");
  });

  test('answers while Redis is unreachable: the run is in Postgres, and the reconciler queues it later', async () => {
    const away = new TrainingQueue({ redisUrl: 'redis://127.0.0.1:1', prefix, log: silent });
    const offline = new RunEngine({ db, queue: away, log: silent });
    try {
      const started = Date.now();
      const { id } = await offline.submitExperiment({ ownerId: LOCAL_TENANT, spec: spec() });
      assert.ok(Date.now() - started < 1_000, 'no waiting on Redis');
      assert.equal((await row(id)).status, 'queued');
      assert.equal(await jobState(id), 'unknown');
      const report = await new Reconciler({ prisma: db.prisma, queue, engine, log: silent, intervalMs: 60_000 }).reconcileOnce();
      assert.ok(report.enqueued >= 1);
      assert.equal(await jobState(id), 'prioritized');
    } finally {
      await away.close();
    }
  });

  test('a sweep and all its runs commit together, in λ then seed order', async () => {
    const request = sweepRequestSchema.parse({ lambdas: [0, 1e-4], seeds: [2, 1], base: { epochs: 2 } });
    const { id, created } = await engine.submitSweep({ ownerId: LOCAL_TENANT, request });
    const runs = await db.prisma.experiment.findMany({ where: { sweepId: id }, select: { id: true, seed: true, spec: true } });
    assert.equal(runs.length, 4);
    const byId = new Map(runs.map((run) => [run.id, run]));
    assert.deepEqual(
      created.map((run) => [(byId.get(run.id)?.spec as { lambda: number }).lambda, byId.get(run.id)?.seed]),
      [[0, 1], [0, 2], [1e-4, 1], [1e-4, 2]],
    );
  });
});

describe('attempts', () => {
  test('claim → start → epochs → complete: stored in order, checkpoint kept, lease released', async () => {
    const id = await submit({ epochs: 2 });
    const attempt = await claim(id);
    assert.equal(attempt.checkpoint, null);
    assert.equal(attempt.number, 1);
    await attempt.recordStart({ backend: 'wasm', kernels: 'wasm-fast-matmul', tfjsVersion: '4.22.0', datasetSource: 'npm', datasetVersion: 'v1' });
    const running = await reads.get(LOCAL_TENANT, id);
    assert.equal(running?.status, 'running');
    assert.equal(running?.kernels, 'wasm-fast-matmul');
    assert.ok(running?.startedAt);

    await attempt.recordEpoch(metrics(1), checkpoint(1));
    await attempt.recordEpoch(metrics(2), checkpoint(2));
    assert.deepEqual(await reads.history(LOCAL_TENANT, id), [metrics(1), metrics(2)]);
    assert.deepEqual(await reads.history(LOCAL_TENANT, id, 1), [metrics(2)]);
    await attempt.complete({ ...result, predictions: [{ trueClass: 1, predictedClass: 2, confidence: 0.5 }] });

    const done = await row(id);
    assert.equal(done.status, 'completed');
    assert.equal(done.leaseToken, null);
    assert.equal(done.attempts, 1);
    assert.deepEqual(await reads.evaluation(LOCAL_TENANT, id), evaluation);
    assert.deepEqual((await reads.storedPredictions(LOCAL_TENANT, id, { offset: 0, limit: 5 })).items, [{ index: 0, trueClass: 1, predictedClass: 2, confidence: 0.5 }]);
    assert.deepEqual((await reads.model(LOCAL_TENANT, id))?.topology, model.topology);
    assert.deepEqual(await checkpointEpochs(id), [2], 'the last one kept for a later resume, the older deleted');
    const published = await eventually(() => (eventsOf(id).some((event) => event.status === 'completed') ? eventsOf(id) : undefined), 'the completed event');
    // One event per change: claim and start are status events (the second with an unchanged status).
    assert.deepEqual(
      published.map((event) => (event.type === 'epoch' ? `epoch ${event.metrics.epoch}` : event.status)),
      ['queued', 'running', 'running', 'epoch 1', 'epoch 2', 'completed'],
    );
    assert.deepEqual(published.map((event) => event.version), [1, 2, 3, 4, 5, 6], 'each carries the version it made');
    assert.equal((await row(id)).version, 6);
    assert.deepEqual(await engine.claim(id, 'late'), { outcome: 'finished', status: 'completed' });
  });

  test("an attempt's changes are announced by the engine as soon as each write resolves, before Postgres delivers them", async () => {
    const id = await submit({ epochs: 2 });
    const announced: number[] = [];
    const hear = (event: RunEvent) => event.experimentId === id && announced.push(event.version);
    engine.on('committed', hear);
    try {
      const attempt = await claim(id);
      assert.deepEqual(announced, [2], 'the claim');
      await attempt.recordStart({ backend: 'wasm', kernels: 'wasm-fast-matmul', tfjsVersion: '4.22.0', datasetSource: 'npm', datasetVersion: 'v1' });
      assert.deepEqual(announced, [2, 3], 'the start');
      await attempt.recordEpoch(metrics(1), checkpoint(1));
      assert.deepEqual(announced, [2, 3, 4], 'the epoch');
      await attempt.complete(result);
      assert.deepEqual(announced, [2, 3, 4, 5], 'the completion');
    } finally {
      engine.off('committed', hear);
    }
  });

  test('checkpoints round-trip byte for byte (views with an offset too) and never move backwards', async () => {
    const id = await submit();
    const attempt = await claim(id);
    const backing = new Uint8Array(4096).map((_, index) => (index * 31) % 256);
    const weights = { specs: checkpoint(1).weights.specs, data: backing.subarray(1000, 1016) };
    await attempt.recordEpoch(metrics(2), { ...checkpoint(2), weights });
    await attempt.recordEpoch(metrics(1), checkpoint(1)); // a late older epoch
    assert.deepEqual(await checkpointEpochs(id), [2], 'the late one is not kept');
    attempt.end();
    await db.prisma.experiment.update({ where: { id }, data: { leaseExpiresAt: new Date(0) } });
    const resumed = await claim(id);
    resumed.end();
    assert.equal(resumed.checkpoint?.epoch, 2);
    assert.deepEqual(Array.from(resumed.checkpoint?.weights.data ?? []), Array.from(weights.data));
    assert.deepEqual(resumed.checkpoint?.optimizer, checkpoint(2).optimizer);
    assert.equal((await row(id)).epochsDone, 2);
  });

  test('a checkpoint written without its metrics (the worker died between the two writes) is passed over, and the replay rewrites it', async () => {
    const id = await submit();
    const attempt = await claim(id);
    await attempt.recordEpoch(metrics(1), checkpoint(1));
    const stored = await row(id);
    assert.ok(await writeCheckpoint(db.pool, id, stored.leaseToken!, checkpoint(2, 7)), 'epoch 2\'s checkpoint lands; its metrics never do');
    assert.equal(await writeCheckpoint(db.pool, id, '00000000-0000-4000-8000-000000000000', checkpoint(3)), false, 'another token writes nothing');
    attempt.end();
    await db.prisma.experiment.update({ where: { id }, data: { leaseExpiresAt: new Date(0) } });
    const resumed = await claim(id);
    assert.equal(resumed.checkpoint?.epoch, 1, 'resumes where the stored epochs end');
    assert.deepEqual(resumed.checkpoint?.optimizer, checkpoint(1).optimizer);
    await resumed.recordEpoch(metrics(2), checkpoint(2));
    resumed.end();
    assert.deepEqual(await checkpointEpochs(id), [2]);
    const [replayed] = await db.prisma.checkpoint.findMany({ where: { experimentId: id } });
    assert.deepEqual(Array.from(replayed!.optimizerState), Array.from(checkpoint(2).optimizer.data), 'the replay\'s checkpoint replaced the orphan');
    assert.deepEqual(await reads.history(LOCAL_TENANT, id), [metrics(1), metrics(2)]);
  });

  test('a live lease fences the run to one attempt; once it lapses the next takes over and the old one is shut out', async () => {
    const id = await submit();
    const first = await claim(id);
    await first.recordEpoch(metrics(1), checkpoint(1));
    first.end(); // the worker "dies": no more renewals
    const blocked = await engine.claim(id, 'second-worker');
    assert.equal(blocked.outcome, 'wait');

    await sleep(LEASE_MS + 100);
    const second = await claim(id);
    assert.equal(second.checkpoint?.epoch, 1, 'resumes from the last checkpoint');
    const stored = await row(id);
    assert.deepEqual([stored.attempts, stored.failedAttempts], [2, 1], 'the lapsed attempt counts as failed');

    await assert.rejects(first.recordEpoch(metrics(2, 9), checkpoint(2, 9)), LeaseLostError);
    assert.ok(first.lost.aborted);
    assert.deepEqual(await checkpointEpochs(id), [1], 'nor its checkpoint');
    await second.recordEpoch(metrics(2), checkpoint(2));
    assert.deepEqual(await reads.history(LOCAL_TENANT, id), [metrics(1), metrics(2)], 'only the holder wrote epoch 2');
    await second.handBack();
    const handedBack = await row(id);
    assert.deepEqual([handedBack.status, handedBack.leaseToken, handedBack.failedAttempts], ['running', null, 1], 'a hand-back is no failure');
    assert.equal((await claim(id)).number, 3, 'a handed-back run is claimed at once');
  });

  test('a renewing attempt keeps its lease past its nominal length', async () => {
    const id = await submit();
    const attempt = await claim(id);
    await sleep(LEASE_MS * 2);
    assert.equal((await engine.claim(id, 'other')).outcome, 'wait');
    await attempt.recordEpoch(metrics(1), checkpoint(1));
    attempt.end();
  });

  test('failures are retried with a delay until the bound, then the run fails with the reason', async () => {
    const id = await submit();
    const first = await (await claim(id)).fail(new Error('the dataset cache is corrupt'));
    assert.equal(first.action, 'retry');
    const retrying = await reads.get(LOCAL_TENANT, id);
    assert.equal(retrying?.status, 'running');
    assert.match(retrying?.error ?? '', /Attempt 1 failed \(retrying\): the dataset cache is corrupt/);
    assert.equal((await (await claim(id)).fail(new Error('again'))).action, 'retry');
    const last = await (await claim(id)).fail(new Error('still'));
    assert.deepEqual(last, { action: 'fail', reason: 'Gave up after 3 failed attempts; the last one failed with: still' });
    const failed = await reads.get(LOCAL_TENANT, id);
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.error, last.action === 'fail' ? last.reason : '');
  });

  test('a run whose worker dies on every attempt ends failed after the bound, with a readable reason', async () => {
    const id = await submit();
    for (let lost = 0; lost < 3; lost++) {
      (await claim(id)).end();
      await db.prisma.experiment.update({ where: { id }, data: { leaseExpiresAt: new Date(0) } });
    }
    const outcome = await engine.claim(id, 'next');
    assert.equal(outcome.outcome, 'gave-up');
    const failed = await reads.get(LOCAL_TENANT, id);
    assert.equal(failed?.status, 'failed');
    assert.match(failed?.error ?? '', /Gave up after 3 failed attempts; the last one ended without a result: the worker process/);
  });

  test('a final failure ends the run at once, with a bounded message', async () => {
    const id = await submit();
    const decision = await (await claim(id)).fail(new Error('x'.repeat(10_000)), { final: true });
    assert.equal(decision.action, 'fail');
    const failed = await reads.get(LOCAL_TENANT, id);
    assert.equal(failed?.status, 'failed');
    assert.ok(failed?.error && failed.error.length <= 4_000 && failed.error.startsWith('xxx'));
  });
});

describe('cancellation', () => {
  test('a queued run is cancelled and its waiting job removed; twice is harmless; another tenant gets not-found', async () => {
    const id = await submit();
    assert.deepEqual(await engine.cancelExperiment('another-team', id), { outcome: 'not-found' });
    assert.deepEqual(await engine.cancelExperiment(LOCAL_TENANT, id), { outcome: 'cancelled' });
    assert.deepEqual(await engine.cancelExperiment(LOCAL_TENANT, id), { outcome: 'cancelled' });
    assert.equal((await row(id)).status, 'cancelled');
    assert.equal(await jobState(id), 'unknown');
    assert.deepEqual(await engine.claim(id, 'w'), { outcome: 'finished', status: 'cancelled' });
  });

  test('a running run is cancelled: its attempt is fenced out, the history and checkpoint stay', async () => {
    const id = await submit();
    const attempt = await claim(id);
    await attempt.recordEpoch(metrics(1), checkpoint(1));
    assert.deepEqual(await engine.cancelExperiment(LOCAL_TENANT, id), { outcome: 'cancelled' });
    await eventually(() => (attempt.lost.aborted ? true : undefined), 'the attempt to notice (lease renewal)');
    await assert.rejects(attempt.complete(result), LeaseLostError);
    assert.equal((await row(id)).status, 'cancelled');
    assert.equal((await reads.history(LOCAL_TENANT, id)).length, 1);
    assert.deepEqual(await checkpointEpochs(id), [1], 'kept: a cancelled run can be resumed');
    const cancelledEvent = await eventually(() => eventsOf(id).find((event) => event.type === 'status' && event.status === 'cancelled'), 'the event');
    assert.equal(cancelledEvent.type === 'status' ? cancelledEvent.epochsDone : -1, 1);
  });

  test('a finished run is not cancelled', async () => {
    const id = await submit();
    await (await claim(id)).complete(result);
    assert.deepEqual(await engine.cancelExperiment(LOCAL_TENANT, id), { outcome: 'already-finished', status: 'completed' });
  });

  test('cancelling a sweep cancels its unfinished runs in one go; another tenant gets null', async () => {
    const request = sweepRequestSchema.parse({ lambdas: [0, 1e-4, 1e-3], base: { epochs: 2 } });
    const { id, created } = await engine.submitSweep({ ownerId: LOCAL_TENANT, request });
    await (await claim(created[0]!.id)).complete(result);
    assert.equal(await engine.cancelSweep('another-team', id), null);
    assert.deepEqual(await engine.cancelSweep(LOCAL_TENANT, id), { cancelled: 2 });
    const statuses = await Promise.all(created.map(async (run) => (await row(run.id)).status));
    assert.deepEqual(statuses, ['completed', 'cancelled', 'cancelled']);
  });
});

describe('sweep event sequence', () => {
  test("a sweep's stored epochs are numbered 1, 2, 3… across its runs, in commit order", async () => {
    const request = sweepRequestSchema.parse({ lambdas: [0, 1e-4], base: { epochs: 2 } });
    const { id, created } = await engine.submitSweep({ ownerId: LOCAL_TENANT, request });
    const [a, b] = await Promise.all(created.map((run) => claim(run.id)));
    await Promise.all([a!.recordEpoch(metrics(1), checkpoint(1)), b!.recordEpoch(metrics(1), checkpoint(1))]);
    await a!.recordEpoch(metrics(2), checkpoint(2));
    a!.end();
    b!.end();
    const rows = await db.prisma.epochMetric.findMany({ where: { experiment: { sweepId: id } }, orderBy: { sweepSeq: 'asc' } });
    assert.deepEqual(rows.map((epoch) => epoch.sweepSeq), [1, 2, 3]);
    assert.equal(rows[2]?.experimentId, created[0]!.id);
    const published = await eventually(() => {
      const seqs = events.filter((event) => event.type === 'epoch' && event.sweepId === id).map((event) => (event.type === 'epoch' ? event.sweepSeq : null));
      return seqs.length === 3 ? seqs : undefined;
    }, 'three epoch events');
    assert.deepEqual(published, [1, 2, 3]);
  });
});

describe('reconciliation', () => {
  const reconciler = () => new Reconciler({ prisma: db.prisma, queue, engine, log: silent, intervalMs: 60_000 });

  test('Redis lost every job: queued and unheld running runs get theirs back, a live attempt is left alone', async () => {
    const queued = await submit();
    const lapsed = await submit();
    const held = await submit();
    (await claim(lapsed)).end();
    await db.prisma.experiment.update({ where: { id: lapsed }, data: { leaseExpiresAt: new Date(0) } });
    const holder = await claim(held);
    await queue.queue.obliterate({ force: true }); // what a Redis restart without persistence does

    await reconciler().reconcileOnce();
    assert.deepEqual([await jobState(queued), await jobState(lapsed), await jobState(held)], ['prioritized', 'prioritized', 'unknown']);
    holder.end();
  });

  test('a job that BullMQ finished or failed for an unfinished run is replaced, or fails the run with its reason', async () => {
    await queue.queue.obliterate({ force: true });
    const stale = await submit();
    const given = await submit();
    // A bare BullMQ worker finishes one job and fails the other, as BullMQ does when it gives up.
    const finisher = new Worker(
      queue.queue.name,
      async (job) => {
        if (job.data.experimentId === given) throw new Error('job stalled more than allowable limit');
        return 'done';
      },
      { connection: { url: REDIS_URL }, prefix },
    );
    try {
      const states = async () => [await jobState(stale), await jobState(given)];
      const deadline = Date.now() + 10_000;
      while ((await states()).join() !== 'completed,failed' && Date.now() < deadline) await sleep(50);
      assert.deepEqual(await states(), ['completed', 'failed']);
    } finally {
      await finisher.close();
    }
    const report = await reconciler().reconcileOnce();
    assert.equal(report.replaced, 1);
    assert.equal(report.failed, 1);
    assert.equal(await jobState(stale), 'prioritized');
    const failed = await reads.get(LOCAL_TENANT, given);
    assert.equal(failed?.status, 'failed');
    assert.match(failed?.error ?? '', /The training queue gave up on the run: job stalled more than allowable limit/);
  });

  test('two reconcilers at once leave exactly one job per run', async () => {
    await queue.queue.obliterate({ force: true });
    const ids = await Promise.all(Array.from({ length: 5 }, () => submit()));
    await queue.queue.obliterate({ force: true });
    await Promise.all([reconciler().reconcileOnce(), reconciler().reconcileOnce(), reconciler().reconcileOnce()]);
    const jobs = await queue.queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    const ours = jobs.filter((job) => ids.includes(job.data.experimentId));
    assert.equal(ours.length, 5);
    assert.equal(new Set(ours.map((job) => job.id)).size, 5);
  });
});

describe('stored rows', () => {
  test('a stored spec that no longer matches the contract is refused at the boundary', async () => {
    const id = await submit();
    await db.prisma.experiment.update({ where: { id }, data: { spec: { lambda: -1, epochs: 'many' } } });
    await assert.rejects(reads.get(LOCAL_TENANT, id), ZodError);
    await db.prisma.experiment.delete({ where: { id } });
  });

  test('deleting an experiment cascades to everything it owns', async () => {
    const id = await submit();
    const attempt = await claim(id);
    await attempt.recordEpoch(metrics(1), checkpoint(1));
    await attempt.complete({ ...result, predictions: [{ trueClass: 1, predictedClass: 1, confidence: 0.9 }] });
    await db.prisma.experiment.delete({ where: { id } });
    const where = { experimentId: id };
    assert.deepEqual(
      await Promise.all([
        db.prisma.epochMetric.count({ where }),
        db.prisma.evaluation.count({ where }),
        db.prisma.testPrediction.count({ where }),
        db.prisma.trainedModel.count({ where }),
        db.prisma.checkpoint.count({ where }),
      ]),
      [0, 0, 0, 0, 0],
    );
  });

  test('10 000 predictions are stored in one statement and page back in order', async () => {
    const id = await submit();
    const predictions = Array.from({ length: 10_000 }, (_, index) => ({ trueClass: index % NUM_CLASSES, predictedClass: (index * 7) % NUM_CLASSES, confidence: (index % 100) / 100 }));
    await (await claim(id)).complete({ ...result, predictions });
    const page = await reads.storedPredictions(LOCAL_TENANT, id, { offset: 9_990, limit: 150 });
    assert.equal(page.total, 10_000);
    assert.deepEqual(page.items, predictions.slice(9_990).map((prediction, offset) => ({ index: 9_990 + offset, ...prediction })));
    assert.deepEqual(await reads.storedPredictions('another-team', id, { offset: 0, limit: 10 }), { total: 0, items: [] });
  });
});

test('randomUUID ids of unknown runs are not found anywhere', async () => {
  const unknown = randomUUID();
  assert.deepEqual(await engine.claim(unknown, 'w'), { outcome: 'not-found' });
  assert.deepEqual(await engine.cancelExperiment(LOCAL_TENANT, unknown), { outcome: 'not-found' });
  assert.equal(await engine.failUnheld(unknown, 'x'), false);
});
