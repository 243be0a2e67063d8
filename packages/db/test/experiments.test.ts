import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CLASS_NAMES, experimentSchema, NUM_CLASSES } from '@lab/contracts';
import type { EpochMetrics, Evaluation, ResolvedExperimentSpec } from '@lab/contracts';
import { ZodError } from 'zod';
import { createDb, createTestDatabase, ExperimentRepository } from '../src/index.ts';
import type { CheckpointData, Db, TestDatabase } from '../src/index.ts';

const spec = (overrides: Partial<ResolvedExperimentSpec> = {}): ResolvedExperimentSpec => ({
  lambda: 1e-5,
  epochs: 3,
  batchSize: 1024,
  learningRate: 0.001,
  hiddenLayers: [512, 256],
  seed: 42,
  ...overrides,
});

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

const checkpoint = (epoch: number, fill = epoch): CheckpointData => ({
  epoch,
  weightSpecs: [{ name: 'dense/kernel', shape: [2, 2], dtype: 'float32' }],
  weightData: new Uint8Array(16).fill(fill),
  optimizerSpecs: { name: 'adam', step: epoch },
  optimizerState: new Uint8Array(32).fill(fill + 100),
});

const evaluation: Evaluation = {
  train: { loss: 0.2, accuracy: 0.95, crossEntropy: 0.15, penalty: 0.05, examples: 60_000 },
  test: { loss: 0.36, accuracy: 0.885, crossEntropy: 0.33, penalty: 0.03, examples: 10_000 },
  confusionMatrix: Array.from({ length: NUM_CLASSES }, (_, row) =>
    Array.from({ length: NUM_CLASSES }, (_, column) => (row === column ? 900 : 11)),
  ),
  perClassAccuracy: CLASS_NAMES.map((className, classIndex) => ({ classIndex, className, accuracy: 0.9, support: 1000 })),
  evaluationBatchSize: 32,
};

const runInfo = { backend: 'wasm', tfjsVersion: '4.22.0', datasetSource: 'npm', datasetVersion: 'sha256:abc' };

describe('ExperimentRepository', () => {
  let database: TestDatabase;
  let db: Db;
  let repo: ExperimentRepository;
  const newExperiment = async (overrides: Partial<ResolvedExperimentSpec> = {}) =>
    repo.create({ id: randomUUID(), spec: spec(overrides), name: null });

  before(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    repo = new ExperimentRepository(db.prisma);
  });
  after(async () => {
    await db.close();
    await db.close(); // closing twice is harmless
    await database.drop();
  });

  test('create → get returns the contract shape, queued with no progress', async () => {
    const id = randomUUID();
    const created = await repo.create({ id, spec: spec({ name: 'first' }), name: 'first', ownerId: 'owner-1' });
    experimentSchema.parse(created);
    assert.equal(created.id, id);
    assert.equal(created.name, 'first');
    assert.equal(created.status, 'queued');
    assert.deepEqual(created.spec, spec({ name: 'first' }));
    assert.deepEqual(created.progress, { epoch: 0, epochs: 3 });
    assert.equal(created.dataset, null);
    assert.equal(created.results, null);
    assert.equal(created.backend, null);
    assert.equal(created.startedAt, null);
    assert.deepEqual(await repo.get(id), created);
    assert.equal(await repo.get(randomUUID()), null);
    assert.deepEqual(await repo.getSpec(id), { spec: spec({ name: 'first' }), status: 'queued', epochsDone: 0 });
    assert.equal(await repo.getSpec(randomUUID()), null);
  });

  test('a stored spec that no longer matches the contract is refused at the boundary', async () => {
    const { id } = await newExperiment();
    await db.prisma.experiment.update({ where: { id }, data: { spec: { lambda: -1, epochs: 'many' } } });
    await assert.rejects(repo.get(id), ZodError);
    await assert.rejects(repo.getSpec(id), ZodError);
    await db.prisma.experiment.delete({ where: { id } });
  });

  test('list: newest first, filtered by status, paginated with a total', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 4; index += 1) ids.push((await newExperiment({ epochs: 10 + index })).id);
    await repo.cancel(ids[1]!);

    const all = await repo.list({ limit: 200, offset: 0 });
    const positions = ids.map((id) => all.items.findIndex((item) => item.id === id));
    assert.deepEqual([...positions].sort((a, b) => b - a), positions, 'newest first');
    assert.equal(all.total, all.items.length);
    for (let index = 1; index < all.items.length; index += 1) {
      assert.ok(all.items[index - 1]!.createdAt >= all.items[index]!.createdAt);
    }

    const cancelled = await repo.list({ status: 'cancelled', limit: 200, offset: 0 });
    assert.ok(cancelled.items.some((item) => item.id === ids[1]));
    assert.ok(cancelled.items.every((item) => item.status === 'cancelled'));
    assert.equal(cancelled.total, cancelled.items.length);

    const page = await repo.list({ limit: 2, offset: 1 });
    assert.equal(page.total, all.total);
    assert.deepEqual(page.items.map((item) => item.id), all.items.slice(1, 3).map((item) => item.id));
  });

  test('markRunning claims queued/running runs, counts attempts and keeps the first start time', async () => {
    const { id } = await newExperiment();
    assert.equal(await repo.markRunning(id, runInfo), true);
    const first = await repo.get(id);
    assert.equal(first?.status, 'running');
    assert.equal(first?.backend, 'wasm');
    assert.equal(first?.tfjsVersion, '4.22.0');
    assert.deepEqual(first?.dataset, { source: 'npm', version: 'sha256:abc' });
    assert.ok(first?.startedAt);

    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await repo.markRunning(id, { ...runInfo, backend: 'cpu' }), true);
    const second = await repo.get(id);
    assert.equal(second?.startedAt, first.startedAt);
    assert.equal(second?.backend, 'cpu');
    const row = await db.prisma.experiment.findUniqueOrThrow({ where: { id } });
    assert.equal(row.attempts, 2);

    assert.equal(await repo.cancel(id), 'cancelled');
    assert.equal(await repo.markRunning(id, runInfo), false);
    assert.equal((await repo.get(id))?.status, 'cancelled');
    assert.equal(await repo.markRunning(randomUUID(), runInfo), false);
  });

  test('recordEpoch upserts idempotently, advances progress and keeps only the latest checkpoint', async () => {
    const { id } = await newExperiment();
    await repo.markRunning(id, runInfo);

    await repo.recordEpoch(id, metrics(1), checkpoint(1));
    await repo.recordEpoch(id, metrics(1, 2), checkpoint(1, 7)); // a resumed run replays epoch 1
    assert.deepEqual(await repo.history(id), [metrics(1, 2)]);
    assert.equal((await repo.get(id))?.progress.epoch, 1);
    assert.deepEqual(await repo.loadCheckpoint(id), checkpoint(1, 7));

    await repo.recordEpoch(id, metrics(2), checkpoint(2));
    // A late duplicate of an older epoch must not move progress or the checkpoint backwards.
    await repo.recordEpoch(id, metrics(1, 3), checkpoint(1, 9));
    assert.equal((await repo.get(id))?.progress.epoch, 2);
    assert.deepEqual(await repo.loadCheckpoint(id), checkpoint(2));
    assert.deepEqual(await repo.history(id), [metrics(1, 3), metrics(2)]);
    assert.equal(await db.prisma.checkpoint.count({ where: { experimentId: id } }), 1);

    await assert.rejects(repo.recordEpoch(id, metrics(3), checkpoint(2)), /checkpoint of epoch 2/);
    await assert.rejects(repo.recordEpoch(randomUUID(), metrics(1), checkpoint(1)));
  });

  test('checkpoint bytes round-trip exactly, views with an offset included', async () => {
    const { id } = await newExperiment();
    const backing = new Uint8Array(4096).map((_, index) => (index * 31) % 256);
    const weights = backing.subarray(1000, 3000);
    const state = Buffer.from(backing.subarray(5, 70));
    await repo.recordEpoch(id, metrics(1), { ...checkpoint(1), weightData: weights, optimizerState: state });
    const loaded = await repo.loadCheckpoint(id);
    assert.deepEqual(Array.from(loaded?.weightData ?? []), Array.from(weights));
    assert.deepEqual(Array.from(loaded?.optimizerState ?? []), Array.from(state));
  });

  test('history is ordered by epoch and afterEpoch returns only newer epochs', async () => {
    const { id } = await newExperiment({ epochs: 5 });
    for (const epoch of [3, 1, 5, 2, 4]) await repo.recordEpoch(id, metrics(epoch), checkpoint(epoch));
    assert.deepEqual((await repo.history(id)).map((row) => row.epoch), [1, 2, 3, 4, 5]);
    assert.deepEqual((await repo.history(id, 3)).map((row) => row.epoch), [4, 5]);
    assert.deepEqual((await repo.history(id, 0)).map((row) => row.epoch), [1, 2, 3, 4, 5]);
    assert.deepEqual(await repo.history(id, 5), []);
    assert.deepEqual(await repo.history(randomUUID()), []);
    assert.equal((await repo.get(id))?.progress.epoch, 5);
  });

  test('complete stores evaluation, 10 000 predictions and the model in one go, quickly', async () => {
    const { id } = await newExperiment();
    await repo.markRunning(id, runInfo);
    await repo.recordEpoch(id, metrics(1), checkpoint(1));
    const predictions = Array.from({ length: 10_000 }, (_, index) => ({
      trueClass: index % NUM_CLASSES,
      predictedClass: (index * 7) % NUM_CLASSES,
      confidence: (index % 100) / 100,
    }));
    const model = {
      topology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense' }] } },
      weightSpecs: [{ name: 'dense/kernel', shape: [784, 512], dtype: 'float32' }],
      weightData: new Uint8Array(784 * 512 * 4).map((_, index) => index % 251),
    };

    // Speed belongs in benchmarks, not tests: this checks that 10 000 rows go through in one call.
    assert.equal(await repo.complete(id, { evaluation, predictions, model }), true);

    const experiment = await repo.get(id);
    assert.equal(experiment?.status, 'completed');
    assert.ok(experiment?.finishedAt);
    assert.deepEqual(experiment?.results, { trainAccuracy: 0.95, trainLoss: 0.2, testAccuracy: 0.885, testLoss: 0.36 });
    assert.deepEqual(await repo.getEvaluation(id), evaluation);
    assert.equal(await repo.loadCheckpoint(id), null, 'a completed run keeps no checkpoint');

    const page = await repo.storedPredictions(id, { offset: 9_990, limit: 150 });
    assert.equal(page.total, 10_000);
    assert.deepEqual(page.items, predictions.slice(9_990).map((prediction, offset) => ({ index: 9_990 + offset, ...prediction })));
    const first = await repo.storedPredictions(id, { offset: 0, limit: 150 });
    assert.deepEqual(first.items.map((item) => item.index), Array.from({ length: 150 }, (_, index) => index));

    const loaded = await repo.loadModel(id);
    assert.deepEqual(loaded?.topology, model.topology);
    assert.deepEqual(loaded?.weightSpecs, model.weightSpecs);
    assert.ok(Buffer.from(loaded!.weightData).equals(Buffer.from(model.weightData)));

    // A second attempt finding the run completed writes nothing.
    assert.equal(await repo.complete(id, { evaluation, predictions: predictions.slice(0, 3), model }), false);
    assert.equal((await repo.storedPredictions(id, { offset: 0, limit: 1 })).total, 10_000);

    assert.equal(await repo.getEvaluation(randomUUID()), null);
    assert.equal(await repo.loadModel(randomUUID()), null);
    assert.deepEqual(await repo.storedPredictions(randomUUID(), { offset: 0, limit: 10 }), { total: 0, items: [] });
  });

  test('cancel: queued or running → cancelled, twice is harmless, finished runs stay, unknown is not-found', async () => {
    const queued = await newExperiment();
    assert.equal(await repo.cancel(queued.id), 'cancelled');
    assert.equal(await repo.cancel(queued.id), 'cancelled');
    const cancelled = await repo.get(queued.id);
    assert.equal(cancelled?.status, 'cancelled');
    assert.ok(cancelled?.finishedAt);

    const running = await newExperiment();
    await repo.markRunning(running.id, runInfo);
    await repo.recordEpoch(running.id, metrics(1), checkpoint(1));
    assert.equal(await repo.cancel(running.id), 'cancelled');
    assert.equal(await repo.loadCheckpoint(running.id), null);
    // The worker notices within a batch; what it still records is history, never a checkpoint.
    await repo.recordEpoch(running.id, metrics(2), checkpoint(2));
    assert.deepEqual((await repo.history(running.id)).map((row) => row.epoch), [1, 2]);
    assert.equal(await repo.loadCheckpoint(running.id), null);
    assert.equal(await repo.complete(running.id, { evaluation, predictions: [], model: { topology: {}, weightSpecs: [], weightData: new Uint8Array(1) } }), false);
    assert.equal(await repo.fail(running.id, 'late failure'), false);
    assert.equal((await repo.get(running.id))?.status, 'cancelled');
    assert.equal(await repo.getEvaluation(running.id), null);

    const completed = await newExperiment();
    await repo.complete(completed.id, { evaluation, predictions: [], model: { topology: {}, weightSpecs: [], weightData: new Uint8Array(1) } });
    assert.equal(await repo.cancel(completed.id), 'already-finished');
    assert.equal((await repo.get(completed.id))?.status, 'completed');

    const failed = await newExperiment();
    await repo.fail(failed.id, 'boom');
    assert.equal(await repo.cancel(failed.id), 'already-finished');
    assert.equal((await repo.get(failed.id))?.status, 'failed');

    assert.equal(await repo.cancel(randomUUID()), 'not-found');
  });

  test('fail stores the reason (bounded), finishes the run and drops its checkpoint', async () => {
    const { id } = await newExperiment();
    await repo.markRunning(id, runInfo);
    await repo.recordEpoch(id, metrics(1), checkpoint(1));
    assert.equal(await repo.fail(id, 'x'.repeat(10_000)), true);
    const failed = await repo.get(id);
    assert.equal(failed?.status, 'failed');
    assert.ok(failed?.error && failed.error.length <= 4_000 && failed.error.startsWith('xxx'));
    assert.ok(failed?.finishedAt);
    assert.equal(await repo.loadCheckpoint(id), null);
    assert.equal(await repo.fail(id, 'again'), false);
    assert.equal((await repo.get(id))?.error, failed.error);
  });

  test('deleting an experiment cascades to everything it owns', async () => {
    const { id } = await newExperiment();
    await repo.recordEpoch(id, metrics(1), checkpoint(1));
    const other = await newExperiment();
    await repo.recordEpoch(other.id, metrics(1), checkpoint(1));
    await repo.complete(id, {
      evaluation,
      predictions: [{ trueClass: 1, predictedClass: 1, confidence: 0.9 }],
      model: { topology: {}, weightSpecs: [], weightData: new Uint8Array(8) },
    });
    await repo.recordEpoch(id, metrics(2), checkpoint(2)); // no checkpoint for a completed run

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
    assert.equal((await repo.history(other.id)).length, 1, "other experiments' rows stay");
    assert.ok(await repo.loadCheckpoint(other.id));
  });
});
