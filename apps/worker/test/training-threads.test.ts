import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { experimentSpecSchema, type EpochMetrics } from '@lab/contracts';
import { TrainingRun, type TrainingRunHandlers } from '../src/training-run.ts';
import { TrainingThreads } from '../src/training-threads.ts';

/** A tiny but real run on the real dataset. */
const spec = { ...experimentSpecSchema.parse({ lambda: 1e-4, epochs: 2, batchSize: 128, hiddenLayers: [32, 16], trainLimit: 1000, testLimit: 300 }), seed: 3 };
const request = { spec, resumeFrom: null, bestWeights: null };

/** Handlers that accept every epoch, recording them; `onEpoch` runs first when given. */
function recording(onEpoch: () => void = () => {}): TrainingRunHandlers & { epochs: EpochMetrics[] } {
  const epochs: EpochMetrics[] = [];
  return {
    epochs,
    onStarted: async () => {},
    onEpoch: async (metrics) => {
      onEpoch();
      epochs.push(metrics);
      return { action: 'continue', newBest: false };
    },
  };
}

describe("a worker's training threads", () => {
  let started = 0;
  const threads = new TrainingThreads({ backend: { preference: 'wasm', wasmThreads: 1 }, dataset: {} }, () => started++);
  after(() => threads.close());

  it('are set up ahead of the first run and serve one run after another, the same results as on a fresh thread', async () => {
    threads.prepare(1);
    const first = await threads.take();
    assert.equal(started, 1, 'the run took the thread prepared for it');
    assert.equal(first.info.backend.backend, 'wasm');
    assert.equal(first.info.dataset.source, 'npm-package');
    threads.giveBack(first);

    const onFresh = recording();
    const freshOutcome = await new TrainingRun(threads, request, onFresh).outcome;
    const onReused = recording();
    const reusedOutcome = await new TrainingRun(threads, request, onReused).outcome;
    assert.equal(started, 1, 'both runs trained in the thread set up first');
    assert.equal(freshOutcome.status, 'completed');
    assert.equal(reusedOutcome.status, 'completed');
    const comparable = (epochs: EpochMetrics[]) => epochs.map(({ durationMs: _d, ...rest }) => rest);
    assert.equal(onReused.epochs.length, 2);
    assert.deepEqual(comparable(onReused.epochs), comparable(onFresh.epochs));
    if (freshOutcome.status === 'completed' && reusedOutcome.status === 'completed') {
      assert.deepEqual(reusedOutcome.evaluation, freshOutcome.evaluation);
    }
  });

  it('stop a run asked to stop before its thread reaches it at the first batch, and keep the thread', async () => {
    const run = new TrainingRun(threads, request, recording());
    run.stop();
    assert.deepEqual(await run.outcome, { status: 'stopped', epochsDone: 0 });
    assert.equal(started, 1);
  });

  it('end a thread that dies during a run: the run fails, and the next run gets a fresh thread', async () => {
    const thread = await threads.take();
    threads.giveBack(thread);
    // The run takes the only free thread, the one the test holds; it dies as the first epoch is stored.
    const dying = new TrainingRun(threads, request, recording(() => void thread.worker.terminate()));
    await assert.rejects(dying.outcome, /training thread exited/);
    const next = recording();
    assert.equal((await new TrainingRun(threads, request, next).outcome).status, 'completed');
    assert.equal(started, 2);
    assert.equal(next.epochs.length, 2);
  });

  it('refuse runs once closed, and close twice', async () => {
    await threads.close();
    await threads.close();
    await assert.rejects(new TrainingRun(threads, request, recording()).outcome, /closing/);
  });
});
