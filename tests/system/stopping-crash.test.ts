import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { EpochMetrics, Experiment } from '@lab/contracts';
import { startStack, waitFor, type Stack } from './harness.ts';
import { RECOVERY_WORKER_ENV, recoverySpec, withoutDurations } from './recovery-fixtures.ts';
import { spawnWorker, type WorkerProcess } from './worker-process.ts';

/**
 * restoreBestWeights across a crash: the best epoch's weights are stored as it becomes the best, so a
 * worker killed after it (kill -9) leaves them in Postgres and the worker that finishes the run
 * evaluates with them — the same results as the run trained without a break.
 */
/** At this learning rate validation accuracy peaks mid-run (epoch 8 of 12 on the wasm backend). */
const spec = { ...recoverySpec, epochs: 12, learningRate: 0.005, earlyStopping: { monitor: 'valAccuracy', patience: 100, restoreBestWeights: true } };

describe('restoreBestWeights survives a killed worker', () => {
  let stack: Stack;
  const workers: WorkerProcess[] = [];
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    await stack.close();
  });

  const api = () => request(stack.app.server);
  const startWorker = () => {
    const worker = spawnWorker({ ...stack.env, ...RECOVERY_WORKER_ENV });
    workers.push(worker);
    return worker;
  };
  const experiment = async (id: string): Promise<Experiment> => (await api().get(`/v1/experiments/${id}`).expect(200)).body;
  const history = async (id: string): Promise<EpochMetrics[]> => (await api().get(`/v1/experiments/${id}/history`).expect(200)).body.epochs;
  const completed = (id: string) =>
    waitFor(async () => {
      const current = await experiment(id);
      if (current.status === 'failed') throw new Error(`run failed: ${current.error}`);
      return current.status === 'completed' ? current : undefined;
    }, 'the run to complete', 300_000);

  it('a run killed after its best epoch ends with that epoch\'s weights, as the uninterrupted run does', async (t) => {
    const first = startWorker();
    const reference = await completed((await api().post('/v1/experiments').send(spec).expect(202)).body.id);
    await first.kill('SIGTERM');
    const best = reference.results!.epoch;
    t.diagnostic(`the reference's best validation accuracy is at epoch ${best} of ${spec.epochs}`);
    assert.ok(best < spec.epochs - 1, 'the best epoch is not the last: restoring it changes the model');

    const id = (await api().post('/v1/experiments').send(spec).expect(202)).body.id as string;
    const doomed = startWorker();
    await waitFor(async () => ((await stack.app.prisma.bestWeights.findUnique({ where: { experimentId: id } }))?.epoch === best ? true : undefined), 'the best epoch to be stored');
    assert.equal((await doomed.kill('SIGKILL')).signal, 'SIGKILL');
    const killedAt = (await history(id)).length;
    t.diagnostic(`killed with ${killedAt} epochs stored`);
    assert.ok(killedAt < spec.epochs, 'killed before the end');

    startWorker();
    const done = await completed(id);
    assert.equal(done.results?.epoch, best);
    assert.deepEqual(done.results, reference.results, 'evaluated with the same (restored) weights');
    assert.deepEqual(withoutDurations(await history(id)), withoutDurations(await history(reference.id)));
    assert.equal(done.stoppedEarly, null, 'patience was never exhausted: it trained to the budget');
    assert.equal(await stack.app.prisma.bestWeights.count({ where: { experimentId: id } }), 0, 'dropped once the model holds them');
  });
});
