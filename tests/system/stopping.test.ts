import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { formatLambda, type EpochMetrics, type Experiment, type Sweep } from '@lab/contracts';
import { startStack, waitFor, type Stack } from './harness.ts';
import { withoutDurations } from './recovery-fixtures.ts';

/**
 * Early stopping, pruning and resume on real (tiny) runs of the real dataset, trained by a real worker:
 * the engine decides as each epoch is stored and the worker carries it out.
 */
const tiny = { batchSize: 100, hiddenLayers: [16], trainLimit: 500, testLimit: 200 };
/** λ = 10 crushes the activations: such a run cannot learn, and pruning must see it. */
const HOPELESS = 10;

describe('early stopping, pruning and resume with a real worker on real data', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
    stack.startWorker();
  });
  after(async () => {
    await stack.close();
  });

  const api = () => request(stack.app.server);
  const experiment = async (id: string): Promise<Experiment> => (await api().get(`/v1/experiments/${id}`).expect(200)).body;
  const history = async (id: string): Promise<EpochMetrics[]> => (await api().get(`/v1/experiments/${id}/history`).expect(200)).body.epochs;
  const finished = (id: string) =>
    waitFor(async () => {
      const current = await experiment(id);
      if (current.status === 'failed') throw new Error(`run failed: ${current.error}`);
      return ['completed', 'pruned', 'cancelled'].includes(current.status) ? current : undefined;
    }, 'the run to finish', 300_000);
  const sweepDone = (id: string) =>
    waitFor(async () => {
      const sweep: Sweep = (await api().get(`/v1/sweeps/${id}`).expect(200)).body;
      if (sweep.status === 'failed' || sweep.status === 'cancelled') throw new Error(`sweep ended ${sweep.status}`);
      return sweep.status === 'completed' ? sweep : undefined;
    }, 'the sweep to finish', 600_000);
  const submit = async (spec: object): Promise<string> => (await api().post('/v1/experiments').send(spec).expect(202)).body.id;

  it('stops early on a plateau at the right epoch, says why, and evaluates with the best epoch\'s weights', async () => {
    // A minDelta no change of the validation loss can reach: after epoch 1 nothing counts as an improvement.
    const earlyStopping = { monitor: 'valLoss', patience: 2, minDelta: 100, restoreBestWeights: true };
    const id = await submit({ ...tiny, lambda: 1e-4, epochs: 8, seed: 7, earlyStopping });
    const done = await finished(id);
    const epochs = await history(id);
    assert.equal(done.status, 'completed');
    assert.deepEqual(epochs.map((epoch) => epoch.epoch), [1, 2, 3], 'epochs 2 and 3 wait; training stops at 3');
    assert.deepEqual(done.stoppedEarly, { epoch: 3, bestEpoch: 1, monitor: 'valLoss', best: epochs[0]!.valLoss });
    assert.deepEqual(done.progress, { epoch: 3, epochs: 8 });
    assert.equal(done.results?.epoch, 1, 'the model is epoch 1\'s');
    // The final evaluation runs on the same test images as validation did: epoch 1's weights give epoch 1's accuracy.
    assert.equal(done.results?.testAccuracy, epochs[0]!.valAccuracy);
    assert.notEqual(epochs[2]!.valAccuracy, epochs[0]!.valAccuracy, 'the last epoch differs, so the restore shows');
  });

  it('a pruned sweep prunes with the documented defaults and explains each prune; the pruned run resumed to its budget equals the uninterrupted run', async () => {
    const base = { ...tiny, epochs: 3 };
    const created = await api()
      .post('/v1/sweeps')
      .send({ name: 'median', base, lambdas: [0, 1e-4, HOPELESS], seeds: [1, 2], pruning: { strategy: 'median' } })
      .expect(202);
    const sweep = await sweepDone(created.body.id);
    const runOf = (lambda: number, seed: number) => sweep.rows.find((row) => row.lambda === lambda)!.runs.find((run) => run.seed === seed)!;
    // One worker takes the runs in order: the first five complete (startupRuns 5), the sixth is judged.
    assert.deepEqual(
      sweep.rows.flatMap((row) => row.runs.map((run) => `${row.lambda}/${run.seed}: ${run.status}`)),
      ['0/1: completed', '0/2: completed', '0.0001/1: completed', '0.0001/2: completed', `${HOPELESS}/1: completed`, `${HOPELESS}/2: pruned`],
    );
    const pruned = runOf(HOPELESS, 2);
    const why = pruned.pruned!;
    assert.equal(pruned.progress.epoch, 1, 'stopped as its first epoch was stored');
    // Recompute the reason from what is stored: the λ's mean over both seeds at epoch 1, against the
    // median (of two: their mean) of the other λ values' completed runs' means at epoch 1.
    const firstVal = async (lambda: number, seed: number) => (await history(runOf(lambda, seed).experimentId))[0]!.valAccuracy;
    const mean = (a: number, b: number) => (a + b) / 2;
    const others = [mean(await firstVal(0, 1), await firstVal(0, 2)), mean(await firstVal(1e-4, 1), await firstVal(1e-4, 2))];
    assert.deepEqual({ ...why, value: 0, threshold: 0 }, { strategy: 'median', monitor: 'valAccuracy', epoch: 1, rung: null, value: 0, seeds: 2, threshold: 0, compared: 2 });
    assert.ok(Math.abs(why.value - mean(await firstVal(HOPELESS, 1), await firstVal(HOPELESS, 2))) < 1e-12);
    assert.ok(Math.abs(why.threshold - mean(others[0]!, others[1]!)) < 1e-12);
    assert.ok(why.value < why.threshold);
    assert.deepEqual((await experiment(pruned.experimentId)).pruned, why);
    assert.equal(sweep.rows[2]!.summary?.finalValAccuracy.n, 1, 'the pruned run is left out of its row\'s figures');
    const report = (await api().get(`/v1/sweeps/${sweep.id}/report`).expect(200)).text;
    assert.ok(report.includes(`| ${formatLambda(HOPELESS)} | 2 | 1 | median rule`), 'the report lists the pruned run');
    assert.match(report, /\| epochs trained \| 16 of 18 \(88\.9 %\) \|/);

    // Resumed to its budget, the pruned run ends exactly where the same run trained without a break does.
    await api().post(`/v1/experiments/${pruned.experimentId}/resume`).send({ epochs: 3 }).expect(202);
    const resumed = await finished(pruned.experimentId);
    const prunedSpec = (await experiment(pruned.experimentId)).spec;
    const reference = await finished(await submit({ ...tiny, lambda: HOPELESS, epochs: 3, seed: prunedSpec.seed }));
    assert.equal(resumed.status, 'completed');
    assert.deepEqual(withoutDurations(await history(pruned.experimentId)), withoutDurations(await history(reference.id)));
    assert.deepEqual(resumed.results, reference.results);
    assert.equal(resumed.resumes[0]?.status, 'pruned');
    assert.deepEqual(resumed.resumes[0]?.pruned, why);
    assert.equal((await api().get(`/v1/sweeps/${sweep.id}`).expect(200)).body.progress.byStatus.pruned, 0);
  });

  it('ASHA at its defaults prunes a λ below the others at the first rung', async () => {
    const created = await api()
      .post('/v1/sweeps')
      .send({ name: 'asha', base: { ...tiny, epochs: 5 }, lambdas: [0, HOPELESS], seeds: [3], pruning: { strategy: 'asha' } })
      .expect(202);
    const sweep = await sweepDone(created.body.id);
    const [first, second] = sweep.rows.map((row) => row.runs[0]!);
    assert.equal(first!.status, 'completed', 'the first λ at a rung always goes on');
    assert.equal(second!.status, 'pruned');
    const firstEpoch = (await history(first!.experimentId))[0]!.valAccuracy;
    assert.deepEqual(second!.pruned, {
      strategy: 'asha',
      monitor: 'valAccuracy',
      epoch: 1,
      rung: 0,
      value: (await history(second!.experimentId))[0]!.valAccuracy,
      seeds: 1,
      threshold: firstEpoch,
      compared: 1,
    });
  });

  it('a completed run extended to more epochs equals an uninterrupted run of that many', async () => {
    const spec = { ...tiny, lambda: 1e-4, seed: 11 };
    const id = await submit({ ...spec, epochs: 2 });
    const short = await finished(id);
    await api().post(`/v1/experiments/${id}/resume`).send({ epochs: 4 }).expect(202);
    const extended = await finished(id);
    const reference = await finished(await submit({ ...spec, epochs: 4 }));
    assert.deepEqual(withoutDurations(await history(id)), withoutDurations(await history(reference.id)));
    assert.deepEqual(extended.results, reference.results);
    assert.notDeepEqual(extended.results, short.results, 'the old evaluation was replaced');
    assert.equal(extended.attempts, 2, 'resumed from its checkpoint by a second claim');
  });
});
