import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { EpochMetrics, Experiment, Sweep } from '@lab/contracts';
import { startStack, waitFor, type Stack } from './harness.ts';

/** Tiny but real runs: 2 epochs on 500 training and 200 test images of the real dataset. */
const tinyBase = { epochs: 2, batchSize: 100, hiddenLayers: [16], trainLimit: 500, testLimit: 200 };
const LAMBDAS = [0, 1e-4, 1e-2];

describe('λ sweep end to end: API → queue → worker → Postgres → summary', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
    // Two workers take the runs in parallel, as worker processes would.
    stack.startWorker();
    stack.startWorker();
  });
  after(async () => {
    await stack.close();
  });

  const api = () => request(stack.app.server);
  const getSweep = async (id: string): Promise<Sweep> => (await api().get(`/v1/sweeps/${id}`).expect(200)).body;

  it('trains every run of a 3-λ sweep; its summary rows match the stored history', async () => {
    const created = await api().post('/v1/sweeps').send({ name: 'e2e', base: tinyBase, lambdas: LAMBDAS }).expect(202);
    const { id, experimentIds } = created.body as { id: string; experimentIds: string[] };
    assert.equal(experimentIds.length, 3);

    const sweep = await waitFor(async () => {
      const current = await getSweep(id);
      if (current.status === 'failed' || current.status === 'cancelled') throw new Error(`sweep ended ${current.status}`);
      return current.status === 'completed' ? current : undefined;
    }, 'the sweep to complete', 300_000);
    assert.deepEqual(sweep.progress.byStatus, { queued: 0, running: 0, completed: 3, failed: 0, cancelled: 0, pruned: 0 });
    assert.deepEqual(sweep.rows.map((row) => row.lambda), LAMBDAS);

    for (const row of sweep.rows) {
      assert.equal(row.partial, false);
      assert.equal(row.runs.length, 1);
      const run = row.runs[0]!;
      assert.equal(run.status, 'completed');
      assert.deepEqual(run.progress, { epoch: 2, epochs: 2 });

      // Recompute every figure from what the API stores for this run.
      const history: EpochMetrics[] = (await api().get(`/v1/experiments/${run.experimentId}/history`).expect(200)).body.epochs;
      const experiment: Experiment = (await api().get(`/v1/experiments/${run.experimentId}`).expect(200)).body;
      assert.equal(experiment.spec.lambda, row.lambda);
      assert.deepEqual(history.map((e) => e.epoch), [1, 2]);
      const last = history.at(-1)!;
      const bestVal = Math.max(...history.map((e) => e.valAccuracy));
      const best = history.find((e) => e.valAccuracy === bestVal)!;
      const minCe = Math.min(...history.map((e) => e.valCrossEntropy));
      const expected = {
        epochs: 2,
        finalTrainAccuracy: last.accuracy,
        finalValAccuracy: last.valAccuracy,
        bestValAccuracy: bestVal,
        bestEpoch: best.epoch,
        gapAtEnd: last.accuracy - last.valAccuracy,
        gapAtBest: best.accuracy - best.valAccuracy,
        minValCrossEntropy: minCe,
        minValCrossEntropyEpoch: history.find((e) => e.valCrossEntropy === minCe)!.epoch,
        penaltyShare: history.reduce((sum, e) => sum + e.penalty / e.loss, 0) / history.length,
      };
      assert.deepEqual(run.stats, expected, `λ = ${row.lambda}`);
      for (const [key, value] of Object.entries(expected)) {
        assert.deepEqual(row.summary![key as keyof typeof expected], { mean: value, sd: null, n: 1 }, `${key} at λ = ${row.lambda}`);
      }
      assert.equal(last.valAccuracy, experiment.results?.testAccuracy, 'the last validation is the final test evaluation');
    }
    const shares = sweep.rows.map((row) => row.summary!.penaltyShare.mean);
    assert.equal(shares[0], 0, 'λ = 0 adds no penalty');
    assert.ok(shares[1]! > 0 && shares[2]! > shares[1]!, `the penalty's share grows with λ: ${shares}`);

    const bestMean = Math.max(...sweep.rows.map((row) => row.summary!.finalValAccuracy.mean));
    assert.equal(sweep.recommendation?.best.valAccuracy.mean, bestMean);
    assert.equal(sweep.recommendation?.oneStandardError, null, 'one seed per λ: no standard error');

    const listed = await api().get(`/v1/experiments?sweepId=${id}&status=completed`).expect(200);
    assert.deepEqual(listed.body.items.map((e: Experiment) => e.id).sort(), [...experimentIds].sort());

    const plot = await api().get(`/v1/sweeps/${id}/plot.svg`).expect(200).expect('content-type', /^image\/svg\+xml/);
    assert.match(String(plot.body), /^<svg/);
  });

  it('cancelling a sweep leaves no run queued or running, in Postgres or in the queue', async () => {
    const created = await api()
      .post('/v1/sweeps')
      .send({ base: { ...tinyBase, epochs: 200 }, lambdas: [0, 1e-5, 1e-4] })
      .expect(202);
    const { id } = created.body as { id: string };
    await waitFor(async () => {
      const sweep = await getSweep(id);
      return sweep.rows.some((row) => row.runs.some((run) => run.progress.epoch >= 1)) ? true : undefined;
    }, 'a run to store its first epoch');

    const { body: cancelled } = await api().post(`/v1/sweeps/${id}/cancel`).expect(200);
    assert.equal(cancelled.status, 'cancelled');
    assert.deepEqual(cancelled.progress.byStatus, { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 3, pruned: 0 });
    const unfinished = await stack.app.prisma.experiment.count({ where: { sweepId: id, status: { in: ['queued', 'running'] } } });
    assert.equal(unfinished, 0);

    // Jobs still waiting were removed by the cancel itself, before the worker could take one.
    const queue = stack.app.trainingQueue.queue;
    const waiting = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'paused');
    assert.ok(Object.values(waiting).every((count) => count === 0), JSON.stringify(waiting));
    // The worker notices within a poll, stops at a batch boundary and lets go of its job.
    await waitFor(async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused');
      return Object.values(counts).every((count) => count === 0) ? true : undefined;
    }, 'the queue to hold no waiting, active or delayed job');

    const sweep = await getSweep(id);
    assert.equal(sweep.status, 'cancelled');
    const trained = sweep.rows.flatMap((row) => row.runs).filter((run) => run.progress.epoch > 0);
    assert.ok(trained.length >= 1 && trained.every((run) => run.progress.epoch < 200), 'the running run stopped early');
    assert.ok(trained.every((run) => run.stats?.epochs === run.progress.epoch), 'its history is kept and summarised');
  });
});
