import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { EpochMetrics, Experiment } from '@lab/contracts';
import { startStack, waitFor, type Stack } from './harness.ts';
import { allEpochs, RECOVERY_WORKER_ENV, recoverySpec as spec, withoutDurations } from './recovery-fixtures.ts';
import { spawnWorker, type WorkerProcess } from './worker-process.ts';

/** Real worker processes, really killed, on a small real-data run (see recovery-fixtures.ts). */
const KILLS = 5;

describe('crash recovery with real worker processes', () => {
  let stack: Stack;
  let workerEnv: Record<string, string>;
  const workers: WorkerProcess[] = [];
  let reference: EpochMetrics[];
  /** A typical epoch's wall time (the reference run's median; a fresh worker's first epoch is slower). */
  let epochMs: number;
  let referenceResults: Experiment['results'];

  const api = () => request(stack.app.server);
  const startWorker = (env: Record<string, string> = {}) => {
    const worker = spawnWorker({ ...workerEnv, ...env });
    workers.push(worker);
    return worker;
  };
  const history = async (id: string): Promise<EpochMetrics[]> =>
    (await api().get(`/v1/experiments/${id}/history`).expect(200)).body.epochs;
  const experiment = async (id: string): Promise<Experiment> => (await api().get(`/v1/experiments/${id}`).expect(200)).body;
  const submit = async (): Promise<string> => (await api().post('/v1/experiments').send(spec).expect(202)).body.id;
  const completed = (id: string) =>
    waitFor(async () => {
      const current = await experiment(id);
      if (current.status === 'failed') throw new Error(`run failed: ${current.error}`);
      return current.status === 'completed' ? current : undefined;
    }, 'the run to complete');
  const epochsStored = (id: string, atLeast: number) =>
    waitFor(async () => {
      const epochs = await history(id);
      return epochs.length >= atLeast ? epochs : undefined;
    }, `${atLeast} stored epochs`);
  /** `resumeAfterEpoch` of every attempt a worker logged for the experiment. */
  const resumePoints = (worker: WorkerProcess, id: string) =>
    worker.logs().filter((line) => line.experimentId === id && line.msg === 'training started').map((line) => line.resumeAfterEpoch);
  /** The run's row as the engine keeps it: who holds its lease, how far it got. */
  const runRow = (id: string) =>
    stack.app.prisma.experiment.findUniqueOrThrow({ where: { id }, select: { leaseHolder: true, epochsDone: true, attempts: true, status: true } });
  /** Waits (polling Postgres closely) until `worker` holds the run: it has claimed it. Returns the epochs stored then. */
  const claimedBy = async (worker: WorkerProcess, id: string): Promise<number> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const row = await runRow(id);
      if (row.leaseHolder === worker.holder) return row.epochsDone;
      if (row.status !== 'running' && row.status !== 'queued') throw new Error(`the run is ${row.status}`);
      if (Date.now() > deadline) throw new Error('timed out waiting for the worker to claim the run');
      await sleep(10);
    }
  };
  /** Waits until `worker` has claimed the run and stored an epoch of its own. */
  const firstEpochStoredBy = async (worker: WorkerProcess, id: string): Promise<void> => {
    const atClaim = await claimedBy(worker, id);
    await waitFor(async () => {
      const row = await runRow(id);
      return row.leaseHolder === worker.holder && row.epochsDone > atClaim ? true : undefined;
    }, 'the worker to store an epoch');
  };
  const attempts = async (id: string) =>
    (await stack.app.prisma.experiment.findUniqueOrThrow({ where: { id }, select: { attempts: true } })).attempts;

  before(async () => {
    stack = await startStack();
    workerEnv = { ...stack.env, ...RECOVERY_WORKER_ENV };
    const worker = startWorker();
    const id = await submit();
    referenceResults = (await completed(id)).results;
    reference = await history(id);
    assert.deepEqual(
      reference.map((epoch) => epoch.epoch),
      allEpochs,
    );
    const durations = reference.map((epoch) => epoch.durationMs).sort((a, b) => a - b);
    epochMs = durations[Math.floor(durations.length / 2)]!;
    await worker.kill('SIGTERM');
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    await stack.close();
  });

  it(`kill -9 at ${KILLS} random moments: resumes from the last checkpoint, N epochs, metrics identical`, async (t) => {
    const id = await submit();
    let worker = startWorker();
    const resumedAfter: number[] = [];
    for (let kill = 1; kill <= KILLS; kill++) {
      // Each worker resumes and stores an epoch of its own; the kill lands at a random point of the next.
      await firstEpochStoredBy(worker, id);
      const delay = Math.random() * epochMs;
      await sleep(delay);
      const epochsAtKill = (await history(id)).length;
      assert.ok(epochsAtKill < spec.epochs, 'the kill interrupts an unfinished run');
      assert.equal((await worker.kill('SIGKILL')).signal, 'SIGKILL');
      t.diagnostic(`kill ${kill}: ${delay.toFixed(0)} ms into an epoch of ~${epochMs.toFixed(0)} ms, ${epochsAtKill} epochs stored`);
      resumedAfter.push(epochsAtKill);
      worker = startWorker();
    }
    const done = await completed(id);

    const epochs = await history(id);
    assert.deepEqual(
      epochs.map((epoch) => epoch.epoch),
      allEpochs,
      'exactly N epochs, in order: no duplicate, no gap',
    );
    assert.deepEqual(withoutDurations(epochs), withoutDurations(reference), 'the same metrics as the uninterrupted run');
    assert.deepEqual(done.results, referenceResults, 'the same final evaluation');
    assert.equal(await attempts(id), KILLS + 1, 'every kill cost one attempt, and each restart claimed the run again');
    // The worker that finished resumed from the checkpoint stored before the last kill, not from scratch.
    const lastResume = resumePoints(worker, id);
    assert.equal(lastResume.length, 1);
    assert.ok((lastResume[0] as number) >= resumedAfter.at(-1)!, `resumed after epoch ${lastResume[0]}`);
    await worker.kill('SIGTERM');
  });

  it('SIGTERM: the worker hands the job back and exits 0; a new worker resumes it to the same result', async () => {
    const id = await submit();
    const first = startWorker();
    await epochsStored(id, 2);
    const { code } = await first.kill('SIGTERM');
    assert.equal(code, 0, 'a graceful exit');
    const handedBack = (await history(id)).length;
    assert.ok(handedBack >= 2 && handedBack < spec.epochs);
    const state = await stack.app.trainingQueue.queue.getJobState(`experiment-${id}`);
    assert.ok(state === 'delayed' || state === 'prioritized', `the job is handed back, not left active (it is ${state})`);
    assert.equal((await experiment(id)).status, 'running', 'the run is not finished: it will be resumed');

    const second = startWorker();
    const done = await completed(id);
    assert.deepEqual(withoutDurations(await history(id)), withoutDurations(reference));
    assert.deepEqual(done.results, referenceResults);
    assert.deepEqual(resumePoints(second, id), [handedBack], 'the new worker resumed after the last stored epoch');
    await second.kill('SIGTERM');
  });

  it('a run that kills its worker process on every attempt ends failed, with the reason, after a bounded number', async () => {
    const maxFailedAttempts = 3;
    const id = await submit();
    for (let attempt = 1; attempt <= maxFailedAttempts; attempt++) {
      const worker = startWorker({ RUN_MAX_FAILED_ATTEMPTS: String(maxFailedAttempts) });
      await claimedBy(worker, id);
      await worker.kill('SIGKILL');
    }
    const judge = startWorker({ RUN_MAX_FAILED_ATTEMPTS: String(maxFailedAttempts) });
    const failed = await waitFor(async () => {
      const current = await experiment(id);
      return current.status === 'failed' ? current : undefined;
    }, 'the run to be given up');
    assert.match(failed.error ?? '', /^Gave up after 3 failed attempts; the last one ended without a result: the worker process training it stopped/);
    assert.equal(failed.attempts, maxFailedAttempts, 'no attempt after the bound');
    assert.ok((await history(id)).length < spec.epochs);
    await judge.kill('SIGTERM');
  });

  it('a run that cannot fit fails once, without retries, with the reason stored and shown by the API', async () => {
    const worker = startWorker();
    const impossible = { lambda: 0, epochs: 1, batchSize: 60_000, hiddenLayers: Array(8).fill(4096) };
    const id = (await api().post('/v1/experiments').send(impossible).expect(202)).body.id as string;
    const failed = await waitFor(async () => {
      const current = await experiment(id);
      return current.status === 'failed' ? current : undefined;
    }, 'the run to fail');
    assert.match(failed.error ?? '', /needs about 24\.3 GiB to train.*smaller batchSize or hiddenLayers/);
    // Postgres records the failure first; the worker then fails the job in Redis. The job is read once
    // it is failed: a copy read before could be older than the state read after it.
    const { queue } = stack.app.trainingQueue;
    await waitFor(async () => ((await queue.getJobState(`experiment-${id}`)) === 'failed' ? true : undefined), 'the job to be failed');
    const job = await queue.getJob(`experiment-${id}`);
    assert.equal(job?.attemptsMade, 1, 'not retried');
    assert.equal(await attempts(id), 0, 'never claimed for training');
    assert.deepEqual(await history(id), []);
    await worker.kill('SIGTERM');
  });
});
