import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { LOCAL_TENANT, trainJobId, type Experiment } from '@lab/contracts';
import { createTestDatabase, type TestDatabase } from '@lab/db';
import { buildApp, loadApiConfig } from '../../apps/api/src/index.ts';
import { TEST_ACCESS_ENV } from '../../apps/api/test/test-app.ts';
import { waitFor } from './harness.ts';
import { startPrivateRedis, type PrivateRedis } from './private-redis.ts';
import { allEpochs, RECOVERY_WORKER_ENV, recoverySpec as spec, withoutDurations } from './recovery-fixtures.ts';
import { spawnWorker, type WorkerProcess } from './worker-process.ts';

/**
 * Postgres is the record, Redis a losable index: a Redis that comes back empty (a restart without
 * persistence, a failover that dropped the last writes) loses no run. Two API processes and a worker
 * process each run a reconciler, so they also prove that reconcilers at the same time never put two
 * trainers on one run.
 */
describe('Redis loses all its data while one run trains and two wait', () => {
  let database: TestDatabase;
  let redis: PrivateRedis;
  let apps: FastifyInstance[] = [];
  let worker: WorkerProcess;

  before(async () => {
    database = await createTestDatabase();
    redis = await startPrivateRedis();
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, QUEUE_PREFIX: `lab-loss-${randomBytes(6).toString('hex')}` };
    apps = [buildApp(loadApiConfig({ ...env, LOG_LEVEL: 'silent', ...TEST_ACCESS_ENV })), buildApp(loadApiConfig({ ...env, LOG_LEVEL: 'silent', ...TEST_ACCESS_ENV }))];
    await Promise.all(apps.map((app) => app.ready()));
    worker = spawnWorker({ ...env, ...RECOVERY_WORKER_ENV, WORKER_CONCURRENCY: '1' });
  });
  after(async () => {
    await worker.kill('SIGKILL');
    await Promise.all(apps.map((app) => app.close()));
    await redis.close();
    await database.drop();
  });

  it('all three complete, each with exactly its epochs and the same metrics, none trained twice at once', async (t) => {
    const [first, second] = apps as [FastifyInstance, FastifyInstance];
    const experiment = async (id: string): Promise<Experiment> => (await request(second.server).get(`/v1/experiments/${id}`).expect(200)).body;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await request(first.server).post('/v1/experiments').send(spec).expect(202)).body.id);
    const [training, ...waiting] = ids as [string, string, string];

    await waitFor(async () => ((await experiment(training)).progress.epoch >= 2 ? true : undefined), 'the first run to store 2 epochs');
    assert.deepEqual(await Promise.all(waiting.map(async (id) => (await experiment(id)).status)), ['queued', 'queued']);
    await redis.restartEmpty();
    const emptiedAt = Date.now();

    await waitFor(async () => {
      const states = await Promise.all(waiting.map((id) => first.trainingQueue.queue.getJobState(trainJobId(id))));
      return states.every((state) => state !== 'unknown') ? true : undefined;
    }, 'the waiting runs to be queued again');
    const requeuedAfterMs = Date.now() - emptiedAt;
    t.diagnostic(`the waiting runs were queued again ${requeuedAfterMs} ms after Redis came back empty`);
    assert.ok(requeuedAfterMs < 10_000, 'nothing stays stuck for more than 10 s');

    const finished = await waitFor(async () => {
      const runs = await Promise.all(ids.map(experiment));
      if (runs.some((run) => run.status === 'failed')) throw new Error(`a run failed: ${runs.map((run) => run.error).join('; ')}`);
      return runs.every((run) => run.status === 'completed') ? runs : undefined;
    }, 'all three runs to complete', 300_000);

    const histories = await Promise.all(ids.map((id) => first.reads.experiments.history(LOCAL_TENANT, id)));
    for (const history of histories) assert.deepEqual(history.map((epoch) => epoch.epoch), allEpochs);
    // Same spec, same seed: any epoch trained twice at once (two trainers on one run) would differ.
    assert.deepEqual(withoutDurations(histories[1]!), withoutDurations(histories[0]!));
    assert.deepEqual(withoutDurations(histories[2]!), withoutDurations(histories[0]!));
    assert.deepEqual(finished.map((run) => run.attempts), [1, 1, 1], 'each run was trained by one attempt from start to end');
  });
});
