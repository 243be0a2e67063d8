import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'bullmq';
import { experimentSpecSchema, sweepRequestSchema, TRAINING_QUEUE, trainJobPayloadSchema } from '@lab/contracts';
import { createDb, createTestDatabase, type Db, type TestDatabase } from '@lab/db';
import { Reconciler, RunCapExceededError, RunEngine, TrainingQueue, type Log } from '../src/index.ts';

/**
 * A tenant's cap on queued + running runs, and fair share between tenants, on the real Postgres and
 * Redis: the order in which a real BullMQ worker is handed the jobs is what is checked.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CAP = 5;
const silent: Log = { debug() {}, info() {}, warn() {}, error() {} };
const spec = experimentSpecSchema.parse({ lambda: 1e-5, epochs: 1 });

let database: TestDatabase;
let db: Db;
let queue: TrainingQueue;
let engine: RunEngine;
const prefix = `lab-limits-${randomBytes(6).toString('hex')}`;

before(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  queue = new TrainingQueue({ redisUrl: REDIS_URL, prefix, log: silent });
  await queue.queue.waitUntilReady();
  engine = new RunEngine({ db, queue, log: silent, limits: { maxActiveRunsPerTenant: CAP } });
});
after(async () => {
  await queue.queue.obliterate({ force: true });
  await queue.close();
  await db.close();
  await database.drop();
});

/** Everything a refused submission must leave untouched. */
const storedCounts = async () => ({
  experiments: await db.prisma.experiment.count(),
  sweeps: await db.prisma.sweep.count(),
  idempotencyKeys: await db.prisma.idempotencyKey.count(),
});

describe('the per-tenant cap on queued + running runs', () => {
  test('a submission past the cap is refused, naming the cap, and stores nothing; a finished run makes room', async () => {
    const tenant = 'capped';
    const ids: string[] = [];
    for (let i = 0; i < CAP; i++) ids.push((await engine.submitExperiment({ ownerId: tenant, spec })).id);
    const before = await storedCounts();
    await assert.rejects(
      engine.submitExperiment({ ownerId: tenant, spec, idempotency: { scope: 'POST /v1/experiments', key: randomUUID() } }),
      (error: unknown) => error instanceof RunCapExceededError && error.cap === CAP && error.active === CAP && /cap of 5 queued or running runs/.test(error.message),
    );
    const sweep = sweepRequestSchema.parse({ base: { epochs: 1 }, lambdas: [0, 1e-4] });
    await assert.rejects(engine.submitSweep({ ownerId: tenant, request: sweep }), RunCapExceededError);
    assert.deepEqual(await storedCounts(), before, 'nothing stored, not even the idempotency key');

    assert.equal((await engine.submitExperiment({ ownerId: 'uncapped-neighbour', spec })).replayed, false, 'another tenant has its own cap');
    assert.deepEqual(await engine.cancelExperiment(tenant, ids[0]!), { outcome: 'cancelled' });
    assert.equal((await engine.submitExperiment({ ownerId: tenant, spec })).replayed, false, 'a finished run frees its place');
  });

  test('a sweep that would exceed the cap is refused whole, though some of its runs would fit', async () => {
    const tenant = 'sweeper';
    await engine.submitExperiment({ ownerId: tenant, spec });
    await engine.submitExperiment({ ownerId: tenant, spec });
    const before = await storedCounts();
    const fourRuns = sweepRequestSchema.parse({ base: { epochs: 1 }, lambdas: [0, 1e-5, 1e-4, 1e-3] });
    await assert.rejects(engine.submitSweep({ ownerId: tenant, request: fourRuns }), (error: unknown) => error instanceof RunCapExceededError && error.requested === 4);
    assert.deepEqual(await storedCounts(), before);
    const threeRuns = sweepRequestSchema.parse({ base: { epochs: 1 }, lambdas: [0, 1e-5, 1e-4] });
    assert.equal((await engine.submitSweep({ ownerId: tenant, request: threeRuns })).created.length, 3, 'exactly up to the cap fits');
  });

  test('concurrent submissions cannot slip past the cap together', async () => {
    const tenant = 'racer';
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => engine.submitExperiment({ ownerId: tenant, spec })));
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, CAP);
    assert.ok(results.every((result) => result.status === 'fulfilled' || result.reason instanceof RunCapExceededError));
    assert.equal(await db.prisma.experiment.count({ where: { ownerId: tenant } }), CAP);
  });

  test('a replay of an earlier submission is answered at the cap: it adds nothing', async () => {
    const tenant = 'replayer';
    const idempotency = { scope: 'POST /v1/experiments', key: randomUUID() };
    const first = await engine.submitExperiment({ ownerId: tenant, spec, idempotency });
    for (let i = 1; i < CAP; i++) await engine.submitExperiment({ ownerId: tenant, spec });
    assert.deepEqual(await engine.submitExperiment({ ownerId: tenant, spec, idempotency }), { id: first.id, replayed: true, created: [] });
  });
});

/** The experiment ids in the order a real BullMQ worker is handed their jobs. */
async function takeOrder(count: number): Promise<string[]> {
  const worker = new Worker(TRAINING_QUEUE, null, { connection: { url: REDIS_URL }, prefix, autorun: false });
  const token = 'fair-share-test';
  const order: string[] = [];
  try {
    while (order.length < count) {
      const job = await worker.getNextJob(token);
      if (job === undefined) break;
      order.push(trainJobPayloadSchema.parse(job.data).experimentId);
      await job.moveToCompleted('taken', token, false);
    }
  } finally {
    await worker.close();
  }
  return order;
}

describe('fair share between tenants', () => {
  test("one tenant's 100-run sweep delays another tenant's single run by one run, not a hundred", async () => {
    await queue.queue.obliterate({ force: true });
    const big = new RunEngine({ db, queue, log: silent, limits: { maxActiveRunsPerTenant: 500 } });
    const hundred = sweepRequestSchema.parse({ base: { epochs: 1 }, lambdas: { logspace: { from: -6, to: -3, count: 10 } }, seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
    const sweep = await big.submitSweep({ ownerId: 'big-team', request: hundred, requestId: 'req-sweep' });
    assert.equal(sweep.created.length, 100);
    const single = await big.submitExperiment({ ownerId: 'small-team', spec, requestId: 'req-single' });
    const sameTenant = await big.submitExperiment({ ownerId: 'big-team', spec });

    const order = await takeOrder(102);
    assert.equal(order.length, 102);
    const place = order.indexOf(single.id) + 1;
    assert.ok(place <= 2, `the other tenant's run is handed out at place ${place} of 102`);
    assert.equal(order.at(-1), sameTenant.id, "the sweep's own tenant's next run waits behind its sweep");
    assert.deepEqual(
      order.filter((id) => id !== single.id && id !== sameTenant.id),
      sweep.created.map((run) => run.id),
      'within a tenant, runs go in submission order',
    );
  });

  test('jobs carry the submitting request id; the reconciler re-creates lost jobs with the same fair order', async () => {
    await queue.queue.obliterate({ force: true });
    await db.prisma.experiment.updateMany({ where: { status: { in: ['queued', 'running'] } }, data: { status: 'cancelled' } });
    const big = new RunEngine({ db, queue, log: silent, limits: { maxActiveRunsPerTenant: 500 } });
    const tenSweep = sweepRequestSchema.parse({ base: { epochs: 1 }, lambdas: [0, 1e-6, 1e-5, 1e-4, 1e-3], seeds: [1, 2] });
    const sweep = await big.submitSweep({ ownerId: 'big-team', request: tenSweep, requestId: 'req-1' });
    const single = await big.submitExperiment({ ownerId: 'small-team', spec, requestId: 'req-2' });
    const job = await queue.queue.getJob(`experiment-${single.id}`);
    assert.equal(trainJobPayloadSchema.parse(job?.data).requestId, 'req-2');
    assert.equal(job?.opts.priority, 1);

    await queue.queue.obliterate({ force: true }); // Redis lost its data
    const report = await new Reconciler({ prisma: db.prisma, queue, engine: big, log: silent, intervalMs: 60_000 }).reconcileOnce();
    assert.equal(report.enqueued, 11);
    const order = await takeOrder(11);
    assert.ok(order.indexOf(single.id) <= 1, `after reconciliation the single run is at place ${order.indexOf(single.id) + 1}`);
    assert.deepEqual(new Set(order), new Set([...sweep.created.map((run) => run.id), single.id]));
  });
});
