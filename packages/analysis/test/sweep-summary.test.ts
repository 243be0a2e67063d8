import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { ExperimentStatus } from '@lab/contracts';
import { recommend, sweepProgress, sweepRows, sweepStatus, type SweepRunRecord } from '../src/index.ts';

/** A one-epoch run whose final validation accuracy is `valAccuracy`. */
function run(lambda: number, seed: number, valAccuracy: number, status: ExperimentStatus = 'completed'): SweepRunRecord {
  return {
    experimentId: randomUUID(),
    lambda,
    seed,
    status,
    epochsDone: 1,
    epochs: 1,
    history: [{ epoch: 1, loss: 0.5, accuracy: 0.9, penalty: 0.1, valAccuracy, valCrossEntropy: 0.4 }],
    pruned: null,
    backend: 'wasm',
    tfjsVersion: '4.22.0',
    dataset: { source: 'npm-package', version: 'v1' },
    startedAt: new Date(0),
    finishedAt: new Date(1000),
  };
}

const runs = (lambda: number, valAccuracies: number[]) => valAccuracies.map((value, seed) => run(lambda, seed, value));

/**
 * λ = 1e-5 is best (mean 0.88, sd 0.02, standard error 0.02/√3 ≈ 0.0115, so the threshold is ≈ 0.8685);
 * 1e-4 (0.87) is within it, 1e-3 (0.86) is not. The λ order is shuffled so "largest" cannot mean "last".
 */
const lambdas = [1e-4, 0, 1e-3, 1e-5];
const records = [
  ...runs(0, [0.8, 0.82, 0.84]),
  ...runs(1e-5, [0.86, 0.88, 0.9]),
  ...runs(1e-4, [0.87, 0.87, 0.87]),
  ...runs(1e-3, [0.85, 0.86, 0.87]),
];

describe('sweepRows', () => {
  test('one row per λ in the given order, each with its runs and mean ± sd over them', () => {
    const rows = sweepRows(lambdas, records);
    assert.deepEqual(rows.map((row) => row.lambda), lambdas);
    const row = rows[3]!;
    assert.equal(row.lambda, 1e-5);
    assert.deepEqual(row.runs.map((r) => r.seed), [0, 1, 2]);
    assert.equal(row.partial, false);
    const value = row.summary!.finalValAccuracy;
    assert.ok(Math.abs(value.mean - 0.88) < 1e-12);
    assert.ok(Math.abs(value.sd! - 0.02) < 1e-12);
    assert.equal(value.n, 3);
    assert.ok(Math.abs(row.summary!.gapAtEnd.mean - (0.9 - 0.88)) < 1e-12);
    assert.equal(row.summary!.gapAtEnd.n, 3);
  });

  test('a row is partial while a run is unfinished, and sums up only the runs with an epoch', () => {
    const waiting = { ...run(1e-5, 3, 0), status: 'queued' as const, epochsDone: 0, history: [] };
    const [row] = sweepRows([1e-5], [...runs(1e-5, [0.8, 0.9]), waiting]);
    assert.equal(row!.partial, true);
    assert.equal(row!.runs.length, 3);
    assert.equal(row!.runs[2]!.stats, null);
    assert.equal(row!.summary!.finalValAccuracy.n, 2);
    const [empty] = sweepRows([1e-3], [{ ...waiting, lambda: 1e-3 }]);
    assert.equal(empty!.summary, null);
  });
});

describe('recommend (one-standard-error rule)', () => {
  test('the best mean, and the largest λ within one standard error of it', () => {
    const recommendation = recommend(sweepRows(lambdas, records));
    assert.ok(recommendation);
    assert.equal(recommendation.metric, 'finalValAccuracy');
    assert.equal(recommendation.best.lambda, 1e-5);
    const expectedError = 0.02 / Math.sqrt(3);
    const oneSe = recommendation.oneStandardError!;
    assert.ok(Math.abs(oneSe.standardError - expectedError) < 1e-12);
    assert.ok(Math.abs(oneSe.threshold - (0.88 - expectedError)) < 1e-12);
    assert.equal(oneSe.lambda, 1e-4, '1e-4 is within one SE; 1e-3 (0.86) is not');
    assert.equal(recommendation.partial, false);
  });

  test('a wider spread at the best λ lets a larger λ in', () => {
    const wide = [...runs(1e-5, [0.84, 0.88, 0.92]), ...runs(1e-3, [0.86, 0.86]), ...runs(1e-4, [0.85])];
    const recommendation = recommend(sweepRows([1e-5, 1e-4, 1e-3], wide))!;
    assert.equal(recommendation.best.lambda, 1e-5);
    // SE = 0.04/√3 ≈ 0.0231: threshold ≈ 0.857, so 1e-3 (0.86) is in, though 1e-4 (0.85) is not.
    assert.equal(recommendation.oneStandardError?.lambda, 1e-3);
  });

  test('with one run per λ there is no standard error, so no one-SE choice', () => {
    const recommendation = recommend(sweepRows([0, 1e-5], [run(0, 1, 0.8), run(1e-5, 1, 0.85)]))!;
    assert.equal(recommendation.best.lambda, 1e-5);
    assert.equal(recommendation.best.valAccuracy.sd, null);
    assert.equal(recommendation.oneStandardError, null);
  });

  test('a tie goes to the larger λ; unfinished runs mark the answer partial; no data, no answer', () => {
    const recommendation = recommend(sweepRows([1e-4, 1e-6], [run(1e-6, 1, 0.85), run(1e-4, 1, 0.85), run(1e-4, 2, 0.85, 'running')]))!;
    assert.equal(recommendation.best.lambda, 1e-4);
    assert.equal(recommendation.partial, true);
    assert.equal(recommend(sweepRows([1e-4], [])), null);
  });
});

describe('sweepStatus and sweepProgress', () => {
  test('derived from the runs', () => {
    assert.equal(sweepStatus(['queued', 'queued']), 'queued');
    assert.equal(sweepStatus(['queued', 'running']), 'running');
    assert.equal(sweepStatus(['completed', 'queued']), 'running', 'a run finished, others wait: under way');
    assert.equal(sweepStatus(['completed', 'completed']), 'completed');
    assert.equal(sweepStatus(['completed', 'failed']), 'failed');
    assert.equal(sweepStatus(['failed', 'cancelled', 'completed']), 'cancelled');
  });

  test('counts finished runs and each status', () => {
    assert.deepEqual(sweepProgress(['queued', 'running', 'completed', 'failed', 'cancelled', 'completed']), {
      done: 4,
      total: 6,
      byStatus: { queued: 1, running: 1, completed: 2, failed: 1, cancelled: 1, pruned: 0 },
    });
  });

  test('pruning is how a sweep ends runs on purpose: completed and pruned runs make a completed sweep', () => {
    assert.equal(sweepStatus(['completed', 'pruned', 'pruned']), 'completed');
    assert.equal(sweepStatus(['pruned', 'running']), 'running');
    assert.equal(sweepStatus(['pruned', 'cancelled']), 'cancelled');
    assert.deepEqual(sweepProgress(['pruned', 'completed', 'queued']).done, 2, 'a pruned run is finished');
  });
});

describe('pruned runs', () => {
  const why = { strategy: 'median' as const, monitor: 'valAccuracy' as const, epoch: 1, rung: null, value: 0.1, seeds: 1, threshold: 0.85, compared: 2 };
  const prunedRun = (lambda: number, seed: number, valAccuracy: number) => ({ ...run(lambda, seed, valAccuracy, 'pruned'), pruned: why });

  test('are left out of a row’s figures, keep their reason, and do not make the row partial', () => {
    const [row] = sweepRows([1e-5], [...runs(1e-5, [0.86, 0.9]), prunedRun(1e-5, 2, 0.1)]);
    assert.equal(row!.partial, false, 'every run completed or was pruned');
    assert.equal(row!.summary!.finalValAccuracy.n, 2, 'the pruned run is not in the mean');
    assert.ok(Math.abs(row!.summary!.finalValAccuracy.mean - 0.88) < 1e-12);
    assert.deepEqual(row!.runs.map((r) => r.pruned), [null, null, why]);
    assert.notEqual(row!.runs[2]!.stats, null, 'its own stats are still shown');
  });

  test('a λ whose runs were all pruned has no figures and is no candidate for the recommendation', () => {
    const rows = sweepRows([0, 1e-2], [...runs(0, [0.8, 0.82]), prunedRun(1e-2, 0, 0.95), prunedRun(1e-2, 1, 0.95)]);
    assert.equal(rows[1]!.summary, null);
    const recommendation = recommend(rows)!;
    assert.equal(recommendation.best.lambda, 0, 'a pruned λ is not recommended, whatever its last epoch said');
    assert.equal(recommendation.partial, false);
  });
});
