import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { LOCAL_TENANT, type EpochMetrics, type Experiment } from '@lab/contracts';
import { buildApp, loadApiConfig } from '../../apps/api/src/index.ts';
import { TEST_ACCESS_ENV } from '../../apps/api/test/test-app.ts';
import { createTestDatabase, type TestDatabase } from '@lab/db';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { waitFor } from './harness.ts';
import { startPrivateRedis, type PrivateRedis } from './private-redis.ts';
import { allEpochs, RECOVERY_WORKER_ENV, recoverySpec as spec, withoutDurations } from './recovery-fixtures.ts';
import { spawnWorker, type WorkerProcess } from './worker-process.ts';

/**
 * Redis restarts and Postgres becomes unreachable while a real worker process trains: the worker rides
 * it out and finishes with the metrics of an uninterrupted run; the API answers 503 meanwhile and
 * recovers by itself. Redis is a private redis-server restarted for real; Postgres is the shared one
 * behind a proxy whose connections the test cuts (restarting shared servers would disturb others).
 */
describe('outages of Redis and Postgres during a run', () => {
  let database: TestDatabase;
  let postgres: FaultProxy;
  let redis: PrivateRedis;
  let app: FastifyInstance;
  let worker: WorkerProcess;
  let reference: EpochMetrics[];

  const api = () => request(app.server);
  const experiment = async (id: string): Promise<Experiment> => (await api().get(`/v1/experiments/${id}`).expect(200)).body;
  const history = async (id: string): Promise<EpochMetrics[]> => app.reads.experiments.history(LOCAL_TENANT, id);
  const submit = async (): Promise<string> => (await api().post('/v1/experiments').send(spec).expect(202)).body.id;
  const completed = (id: string) =>
    waitFor(async () => {
      const current = await experiment(id).catch(() => undefined);
      if (current?.status === 'failed') throw new Error(`run failed: ${current.error}`);
      return current?.status === 'completed' ? current : undefined;
    }, 'the run to complete');
  const epochsStored = (id: string, atLeast: number) =>
    waitFor(async () => ((await history(id)).length >= atLeast ? true : undefined), `${atLeast} stored epochs`);
  const readiness = async () => {
    const response = await api().get('/readyz');
    return { status: response.status, body: response.body };
  };
  /** After an outage: the API is ready again by itself, and the run completes exactly as the reference did. */
  const recoversAndMatchesReference = async (id: string) => {
    await waitFor(async () => ((await readiness()).status === 200 ? true : undefined), 'the API to be ready again');
    await completed(id);
    const epochs = await history(id);
    assert.deepEqual(
      epochs.map((epoch) => epoch.epoch),
      allEpochs,
    );
    assert.deepEqual(withoutDurations(epochs), withoutDurations(reference));
  };
  const workerLogged = (message: string) => worker.logs().filter((line) => line.msg === message);

  before(async () => {
    database = await createTestDatabase();
    const url = new URL(database.url);
    postgres = await startFaultProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.host = `127.0.0.1:${postgres.port}`;
    redis = await startPrivateRedis();
    const env = { DATABASE_URL: url.toString(), REDIS_URL: redis.url, QUEUE_PREFIX: `lab-outage-${randomBytes(6).toString('hex')}` };
    app = buildApp(loadApiConfig({ ...env, LOG_LEVEL: 'silent', ...TEST_ACCESS_ENV }));
    await app.ready();
    worker = spawnWorker({ ...env, ...RECOVERY_WORKER_ENV });
    const id = await submit();
    await completed(id);
    reference = await history(id);
    assert.deepEqual(
      reference.map((epoch) => epoch.epoch),
      allEpochs,
    );
  });
  after(async () => {
    await worker.kill('SIGKILL');
    await app.close();
    await redis.close();
    await postgres.close();
    await database.drop();
  });

  it('Redis restarts mid-run: training goes on, a submission is taken (202) and trains once Redis is back', async (t) => {
    const id = await submit();
    await epochsStored(id, 2);
    await redis.stop();
    const stoppedAt = Date.now();
    const atStop = (await history(id)).length;
    assert.ok(atStop < spec.epochs, 'the outage hits a run in progress');

    const down = await readiness();
    assert.equal(down.status, 503);
    assert.equal(down.body.error.code, 'not_ready');
    assert.deepEqual(down.body.checks, { postgres: true, redis: false });
    // Postgres is the record: the submission is stored and answered; its job waits for Redis.
    const accepted = await api().post('/v1/experiments').send({ ...spec, epochs: 1 }).expect(202);
    assert.equal(accepted.body.status, 'queued');
    await sleep(2_000);

    t.diagnostic(`Redis down for ~${((Date.now() - stoppedAt) / 1000).toFixed(1)} s; epochs stored meanwhile: ${atStop} → ${(await history(id)).length}`);
    await redis.start();
    const backAt = Date.now();
    await waitFor(async () => ((await experiment(accepted.body.id)).status !== 'queued' ? true : undefined), 'the run submitted during the outage to start');
    t.diagnostic(`the run submitted while Redis was down started ${((Date.now() - backAt) / 1000).toFixed(1)} s after Redis was back`);
    await recoversAndMatchesReference(id);
    await completed(accepted.body.id);
  });

  it('Postgres unreachable mid-run: writes are retried in place, the API answers 503, both recover', async () => {
    const id = await submit();
    await epochsStored(id, 2);
    const rowsBefore = await app.prisma.experiment.count();
    await postgres.cut();

    const down = await readiness();
    assert.equal(down.status, 503);
    assert.deepEqual(down.body.checks, { postgres: false, redis: true });
    for (const response of [
      await api().post('/v1/experiments').send({ lambda: 0 }),
      await api().get(`/v1/experiments/${id}`),
      await api().post(`/v1/experiments/${id}/cancel`),
    ]) {
      assert.equal(response.status, 503);
      assert.deepEqual(response.body, {
        error: { code: 'service_unavailable', message: 'The database is unavailable; try again later' },
      });
    }
    // Long enough for the run to finish an epoch and find it cannot store it.
    await waitFor(async () => (workerLogged('transient failure; retrying').length > 0 ? true : undefined), 'the worker to retry a write');

    await postgres.restore();
    assert.equal(await app.prisma.experiment.count(), rowsBefore, 'the refused submission left nothing behind');
    await recoversAndMatchesReference(id);
    assert.ok(workerLogged('recovered after retrying').length > 0);
    const { attempts } = await app.prisma.experiment.findUniqueOrThrow({ where: { id }, select: { attempts: true } });
    assert.equal(attempts, 1, 'the run carried on in place: no job retry was needed');
  });
});
