import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CLASS_NAMES,
  experimentSpecSchema,
  LOCAL_TENANT,
  NUM_CLASSES,
  sweepRequestSchema,
  trainJobId,
  type Checkpoint,
  type EpochMetrics,
  type Evaluation,
  type SweepRequestInput,
} from '@lab/contracts';
import { createDb, createTestDatabase, ExperimentReads, type Db, type TestDatabase } from '@lab/db';
import { RunEngine, TrainingQueue, type Attempt, type Log } from '../src/index.ts';

/**
 * Early stopping, pruning, resume and checkpoint retention as the engine decides them when epochs are
 * stored, against the real Postgres and Redis, with no trainer: the worker's part is played here.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** An epoch whose validation figures are `val` (accuracy) and `loss` (loss and cross-entropy). */
const metrics = (epoch: number, val: number, loss = 1 - val): EpochMetrics => ({
  epoch,
  loss: 0.5,
  accuracy: 0.9,
  crossEntropy: 0.45,
  penalty: 0.05,
  valLoss: loss,
  valAccuracy: val,
  valCrossEntropy: loss,
  valPenalty: 0.01,
  durationMs: 10,
});
/** A checkpoint whose weight bytes say which epoch they are from. */
const checkpoint = (epoch: number): Checkpoint => ({
  epoch,
  weights: { specs: [{ name: 'w0', shape: [4], dtype: 'float32' }], data: new Uint8Array(16).fill(epoch) },
  optimizer: { specs: [{ name: 'm0', shape: [4], dtype: 'float32' }], data: new Uint8Array(16).fill(epoch + 100) },
});
const evaluation: Evaluation = {
  train: { loss: 0.2, accuracy: 0.95, crossEntropy: 0.15, penalty: 0.05, examples: 100 },
  test: { loss: 0.36, accuracy: 0.885, crossEntropy: 0.33, penalty: 0.03, examples: 100 },
  confusionMatrix: Array.from({ length: NUM_CLASSES }, () => Array.from({ length: NUM_CLASSES }, () => 1)),
  perClassAccuracy: CLASS_NAMES.map((className, classIndex) => ({ classIndex, className, accuracy: 0.9, support: 10 })),
  evaluationBatchSize: 32,
};
const completedRun = (fill: number) => ({
  evaluation,
  predictions: [{ trueClass: 1, predictedClass: 1, confidence: 0.9 }],
  model: { topology: { class_name: 'Model' }, weightSpecs: [], weightData: new Uint8Array(8).fill(fill) },
});

let database: TestDatabase;
let db: Db;
let queue: TrainingQueue;
let engine: RunEngine;
let reads: ExperimentReads;
const prefix = `lab-stopping-${randomBytes(6).toString('hex')}`;

async function claim(id: string): Promise<Attempt> {
  const claimed = await engine.claim(id, 'test-worker');
  if (claimed.outcome !== 'claimed') throw new Error(`expected a claim of ${id}, got ${claimed.outcome}`);
  return claimed.attempt;
}
const submit = async (fields: object) =>
  (await engine.submitExperiment({ ownerId: LOCAL_TENANT, spec: experimentSpecSchema.parse({ lambda: 1e-5, ...fields }) })).id;
async function submitSweep(request: SweepRequestInput): Promise<string[]> {
  const { id } = await engine.submitSweep({ ownerId: LOCAL_TENANT, request: sweepRequestSchema.parse(request) });
  const runs = await db.prisma.experiment.findMany({ where: { sweepId: id }, select: { id: true, spec: true, seed: true } });
  const order = (run: (typeof runs)[number]) => [(run.spec as { lambda: number }).lambda, run.seed] as const;
  return runs.sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1]).map((run) => run.id);
}
/** Trains a run to the end with the given validation accuracies and completes it. */
async function trainThrough(id: string, values: number[]): Promise<void> {
  const attempt = await claim(id);
  for (const [index, value] of values.entries()) await attempt.recordEpoch(metrics(index + 1, value), checkpoint(index + 1));
  await attempt.complete(completedRun(values.length));
}
const row = (id: string) => db.prisma.experiment.findUniqueOrThrow({ where: { id } });

before(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  queue = new TrainingQueue({ redisUrl: REDIS_URL, prefix, log: silent });
  await queue.queue.waitUntilReady();
  engine = new RunEngine({ db, queue, log: silent, policy: { leaseMs: 2_000 } });
  reads = new ExperimentReads(db.prisma);
});
after(async () => {
  await queue.queue.obliterate({ force: true });
  await queue.close();
  await db.close();
  await database.drop();
});

describe('early stopping', () => {
  test('answers continue until patience runs out, then stop: where and why are stored, and the run completes', async () => {
    const id = await submit({ epochs: 10, earlyStopping: { monitor: 'valAccuracy', patience: 2 } });
    const attempt = await claim(id);
    const accuracies = [0.7, 0.8, 0.79, 0.78];
    const verdicts = [];
    for (const [index, value] of accuracies.entries()) verdicts.push(await attempt.recordEpoch(metrics(index + 1, value), checkpoint(index + 1)));
    assert.deepEqual(verdicts, [
      { action: 'continue', newBest: true },
      { action: 'continue', newBest: true },
      { action: 'continue', newBest: false },
      { action: 'stop', outcome: 'early-stopped', stoppedEarly: { epoch: 4, bestEpoch: 2, monitor: 'valAccuracy', best: 0.8 } },
    ]);
    assert.equal((await row(id)).status, 'running', 'the worker completes it');
    await attempt.complete({ ...completedRun(4), weightsEpoch: 4 });
    const experiment = await reads.get(LOCAL_TENANT, id);
    assert.equal(experiment?.status, 'completed');
    assert.deepEqual(experiment?.stoppedEarly, { epoch: 4, bestEpoch: 2, monitor: 'valAccuracy', best: 0.8 });
    assert.deepEqual(experiment?.progress, { epoch: 4, epochs: 10 });
    assert.equal(experiment?.results?.epoch, 4);
    assert.equal(await db.prisma.bestWeights.count({ where: { experimentId: id } }), 0, 'nothing kept without restoreBestWeights');
  });

  test('restoreBestWeights: the best epoch\'s weights are stored durably as it becomes the best, and survive a crash', async () => {
    const id = await submit({ epochs: 10, earlyStopping: { monitor: 'valLoss', patience: 1, restoreBestWeights: true } });
    const first = await claim(id);
    await first.recordEpoch(metrics(1, 0.6, 0.5), checkpoint(1));
    await first.recordEpoch(metrics(2, 0.7, 0.4), checkpoint(2));
    const best = await db.prisma.bestWeights.findUniqueOrThrow({ where: { experimentId: id } });
    assert.equal(best.epoch, 2);
    assert.deepEqual([...best.weightData], [...checkpoint(2).weights.data]);
    // Epoch 3 is worse: patience 1 stops the run there. Its worker dies before completing it.
    const verdict = await first.recordEpoch(metrics(3, 0.65, 0.45), checkpoint(3));
    assert.equal(verdict.action === 'stop' && verdict.outcome, 'early-stopped');
    first.end();
    await db.prisma.experiment.update({ where: { id }, data: { leaseExpiresAt: new Date(Date.now() - 1000) } });
    const second = await claim(id);
    assert.equal(second.spec.epochs, 3, 'the next attempt trains no further than where the run stopped');
    assert.equal(second.checkpoint?.epoch, 3);
    assert.equal(second.bestWeights?.epoch, 2);
    assert.deepEqual([...(second.bestWeights?.weights.data ?? [])], [...checkpoint(2).weights.data]);
    await second.complete({ ...completedRun(2), weightsEpoch: 2 });
    const experiment = await reads.get(LOCAL_TENANT, id);
    assert.equal(experiment?.results?.epoch, 2, 'evaluated with the restored weights');
    assert.equal(await db.prisma.bestWeights.count({ where: { experimentId: id } }), 0, 'the model holds them now');
  });
});

describe('pruning (median rule at its defaults)', () => {
  test('a sweep prunes once 5 runs completed, judging each λ on its seeds\' mean, and stores why', async () => {
    const ids = await submitSweep({ lambdas: [0, 1e-5, 1e-2], seeds: [1, 2], base: { epochs: 3 }, pruning: { strategy: 'median' } });
    const [zero1, zero2, small1, small2, big1, big2] = ids as [string, string, string, string, string, string];
    await trainThrough(zero1, [0.8, 0.85, 0.86]);
    await trainThrough(zero2, [0.82, 0.86, 0.87]);
    await trainThrough(small1, [0.78, 0.84, 0.85]);
    await trainThrough(small2, [0.8, 0.85, 0.86]);
    // Four runs completed: the hopeless λ's first seed is not judged yet (startupRuns 5).
    await trainThrough(big1, [0.1, 0.1, 0.1]);
    const attempt = await claim(big2);
    const verdict = await attempt.recordEpoch(metrics(1, 0.12), checkpoint(1));
    // The median of λ 0 (0.81) and λ 1e-5 (0.79) is 0.80; λ 1e-2's mean over its two seeds is 0.11.
    assert.equal(verdict.action, 'stop');
    if (verdict.action !== 'stop' || verdict.outcome !== 'pruned') throw new Error('expected a prune');
    const { value, threshold, ...rest } = verdict.pruned;
    assert.deepEqual(rest, { strategy: 'median', monitor: 'valAccuracy', epoch: 1, rung: null, seeds: 2, compared: 2 });
    assert.ok(Math.abs(value - 0.11) < 1e-12 && Math.abs(threshold - 0.8) < 1e-12, `${value} < ${threshold}`);

    const pruned = await row(big2);
    assert.equal(pruned.status, 'pruned');
    assert.equal(pruned.leaseToken, null, 'the lease is released: the attempt is over');
    assert.notEqual(pruned.finishedAt, null);
    assert.equal((await reads.get(LOCAL_TENANT, big2))?.pruned?.threshold, threshold);
    const kept = await db.prisma.checkpoint.findMany({ where: { experimentId: big2 }, select: { epoch: true } });
    assert.deepEqual(kept, [{ epoch: 1 }], 'its checkpoint is kept');
    await assert.rejects(attempt.recordEpoch(metrics(2, 0.1), checkpoint(2)), { name: 'LeaseLostError' }, 'nothing more is written for it');
  });

  test('a sweep without pruning never prunes', async () => {
    const ids = await submitSweep({ lambdas: [0, 1], seeds: [1, 2, 3], base: { epochs: 2 } });
    for (const id of ids.slice(0, 5)) await trainThrough(id, [0.9, 0.9]);
    const attempt = await claim(ids[5]!);
    assert.deepEqual(await attempt.recordEpoch(metrics(1, 0.01), checkpoint(1)), { action: 'continue', newBest: false });
    attempt.end();
  });
});

describe('resume', () => {
  test('a pruned run is queued again to the epochs asked for, its spec history kept, and is no longer pruned', async () => {
    const ids = await submitSweep({ lambdas: [0, 1e-1], seeds: [1, 2, 3], base: { epochs: 4 }, pruning: { strategy: 'median', startupRuns: 1 } });
    await trainThrough(ids[0]!, [0.8, 0.8, 0.8, 0.8]);
    const prunedId = ids[3]!;
    const attempt = await claim(prunedId);
    const verdict = await attempt.recordEpoch(metrics(1, 0.1), checkpoint(1));
    assert.equal(verdict.action === 'stop' && verdict.outcome, 'pruned');
    const before = await reads.get(LOCAL_TENANT, prunedId);

    assert.deepEqual(await engine.resumeExperiment(LOCAL_TENANT, prunedId, 1), { outcome: 'too-few-epochs', epochsDone: 1 });
    assert.deepEqual(await engine.resumeExperiment('another-team', prunedId, 4), { outcome: 'not-found' });
    const resumed = await engine.resumeExperiment(LOCAL_TENANT, prunedId, 4);
    assert.equal(resumed.outcome, 'resumed');
    const after = await reads.get(LOCAL_TENANT, prunedId);
    assert.equal(after?.status, 'queued');
    assert.equal(after?.pruned, null);
    assert.equal(after?.resumes.length, 1);
    assert.deepEqual(after?.resumes[0], { at: after?.resumes[0]?.at, status: 'pruned', epochsDone: 1, spec: before?.spec, stoppedEarly: null, pruned: before?.pruned });
    assert.ok(['waiting', 'prioritized'].includes(await queue.queue.getJobState(trainJobId(prunedId))), 'its job is back in the queue');
    assert.deepEqual(await engine.resumeExperiment(LOCAL_TENANT, prunedId, 4), { outcome: 'wrong-state', status: 'queued' });

    // Claimed again, it resumes from its checkpoint and the pruner leaves it alone, however it does.
    const again = await claim(prunedId);
    assert.equal(again.checkpoint?.epoch, 1);
    assert.equal(again.spec.epochs, 4);
    for (const epoch of [2, 3, 4]) assert.deepEqual(await again.recordEpoch(metrics(epoch, 0.1), checkpoint(epoch)), { action: 'continue', newBest: false });
    await again.complete(completedRun(4));
    assert.equal((await row(prunedId)).status, 'completed');
  });

  test('a completed run is extended: its spec says the new budget and no early stopping, its results are replaced', async () => {
    const id = await submit({ epochs: 2, earlyStopping: { monitor: 'valLoss', patience: 3 } });
    await trainThrough(id, [0.8, 0.81]);
    assert.deepEqual(await engine.resumeExperiment(LOCAL_TENANT, id, 2), { outcome: 'too-few-epochs', epochsDone: 2 });
    assert.equal((await engine.resumeExperiment(LOCAL_TENANT, id, 3)).outcome, 'resumed');
    const queued = await reads.get(LOCAL_TENANT, id);
    assert.equal(queued?.spec.epochs, 3);
    assert.equal(queued?.spec.earlyStopping, undefined, 'a resume trains exactly to the epochs asked for');
    assert.deepEqual(queued?.resumes[0]?.spec.earlyStopping, { monitor: 'valLoss', patience: 3, minDelta: 0, restoreBestWeights: false });
    assert.equal(queued?.results, null, 'the old evaluation is gone with the old model');
    assert.equal(await reads.model(LOCAL_TENANT, id), null);
    assert.equal((await reads.storedPredictions(LOCAL_TENANT, id, { offset: 0, limit: 10 })).total, 0);

    const attempt = await claim(id);
    assert.equal(attempt.checkpoint?.epoch, 2, 'from its last checkpoint');
    await attempt.recordEpoch(metrics(3, 0.82), checkpoint(3));
    await attempt.complete(completedRun(9));
    assert.deepEqual([...((await reads.model(LOCAL_TENANT, id))?.weightData ?? [])], new Array(8).fill(9), 'the new model');
    assert.equal((await reads.get(LOCAL_TENANT, id))?.results?.epoch, 3);
  });

  test('queued, running and failed runs are not resumed', async () => {
    const id = await submit({ epochs: 3 });
    assert.deepEqual(await engine.resumeExperiment(LOCAL_TENANT, id, 5), { outcome: 'wrong-state', status: 'queued' });
    const attempt = await claim(id);
    assert.deepEqual(await engine.resumeExperiment(LOCAL_TENANT, id, 5), { outcome: 'wrong-state', status: 'running' });
    await attempt.fail(new Error('boom'), { final: true });
    assert.deepEqual(await engine.resumeExperiment(LOCAL_TENANT, id, 5), { outcome: 'wrong-state', status: 'failed' });
  });
});

describe('checkpoint retention', () => {
  test('a finished run keeps its checkpoint for the retention period; expired ones go as later runs are claimed', async () => {
    const keeper = new RunEngine({ db, queue, log: silent, policy: { checkpointRetentionMs: 600_000 } });
    const old = await submit({ epochs: 1 });
    const recent = await submit({ epochs: 1 });
    await trainThrough(old, [0.8]);
    await trainThrough(recent, [0.8]);
    await db.prisma.experiment.update({ where: { id: old }, data: { finishedAt: new Date(Date.now() - 3_600_000) } });
    const next = await submit({ epochs: 1 });
    const claimed = await keeper.claim(next, 'test-worker');
    assert.equal(claimed.outcome, 'claimed');
    if (claimed.outcome === 'claimed') claimed.attempt.end();
    assert.equal(await db.prisma.checkpoint.count({ where: { experimentId: old } }), 0, 'expired: deleted');
    assert.equal(await db.prisma.checkpoint.count({ where: { experimentId: recent } }), 1, 'within the retention period: kept');
    // Resumed after its checkpoint expired, the run starts again from epoch 1 (and replays the same epochs).
    assert.equal((await engine.resumeExperiment(LOCAL_TENANT, old, 2)).outcome, 'resumed');
    const attempt = await claim(old);
    assert.equal(attempt.checkpoint, null);
    attempt.end();
  });
});
