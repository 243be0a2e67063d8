import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pruningSchema, type ExperimentStatus, type PruningInput as PruningConfigInput } from '@lab/contracts';
import { ashaRungs, decidePruning, percentile, type PrunableRun, type PruningInput } from '../src/index.ts';

let nextId = 0;
/** A run of λ with validation accuracy `values[e - 1]` at epoch e. */
function run(lambda: number, values: number[], status: ExperimentStatus = 'completed'): PrunableRun {
  return { id: `run-${++nextId}`, lambda, status, values: new Map(values.map((value, index) => [index + 1, value])) };
}
const judge = (config: PruningConfigInput, judged: PrunableRun, others: PrunableRun[], epoch: number, budget = 20) => {
  const input: PruningInput = { pruning: pruningSchema.parse(config), run: { id: judged.id, lambda: judged.lambda }, epoch, budget, runs: [judged, ...others] };
  return decidePruning(input);
};

describe('percentile (numpy’s linear interpolation)', () => {
  test('matches numpy.percentile', () => {
    assert.equal(percentile([3, 1, 2], 50), 2);
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
    assert.equal(percentile([1, 2, 3, 4], 75), 3.25);
    assert.equal(percentile([5], 75), 5);
    assert.equal(percentile([0, 10], 25), 2.5);
  });
});

describe('median rule, seed-aware (Optuna MedianPruner defaults: startupRuns 5, warmupEpochs 0)', () => {
  const defaults = { strategy: 'median' } as const;
  /** Five completed runs over three λ values: means at epoch 1 of 0.80 (λ 0), 0.70 (1e-5), 0.60 (1e-4). */
  const completed = () => [run(0, [0.79, 0.85]), run(0, [0.81, 0.86]), run(1e-5, [0.69, 0.75]), run(1e-5, [0.71, 0.76]), run(1e-4, [0.6, 0.65])];

  test('the defaults are Optuna’s', () => {
    assert.deepEqual(pruningSchema.parse(defaults), { strategy: 'median', startupRuns: 5, warmupEpochs: 0 });
  });

  test('nothing is pruned before startupRuns runs have completed', () => {
    const hopeless = run(1e-2, [0.1], 'running');
    assert.deepEqual(judge(defaults, hopeless, completed().slice(0, 4), 1), { action: 'continue', why: 'startup' });
    const decision = judge(defaults, hopeless, completed(), 1);
    assert.equal(decision.action, 'prune', 'the fifth completed run starts the pruning');
  });

  test('a λ below the median of the other λ values’ means at the epoch is pruned, with the reason', () => {
    const decision = judge(defaults, run(1e-2, [0.1], 'running'), completed(), 1);
    assert.deepEqual(decision, {
      action: 'prune',
      reason: { strategy: 'median', monitor: 'valAccuracy', epoch: 1, rung: null, value: 0.1, seeds: 1, threshold: 0.7, compared: 3 },
    });
    assert.deepEqual(judge(defaults, run(1e-2, [0.72], 'running'), completed(), 1), { action: 'continue', why: 'at or above the threshold' });
  });

  test('seed-aware: the λ is judged on the mean over its seeds that reached the epoch, not on one run', () => {
    // This seed alone (0.68) is below the median (0.70); with its λ's completed seed (0.76) the mean is 0.72.
    const sibling = run(1e-3, [0.76, 0.8]);
    const unlucky = run(1e-3, [0.68], 'running');
    assert.deepEqual(judge(defaults, unlucky, [...completed(), sibling], 1), { action: 'continue', why: 'at or above the threshold' });
    // The same seed with a poor sibling: both are evidence against the λ.
    const poorSibling = run(1e-3, [0.5, 0.55], 'pruned');
    const decision = judge(defaults, unlucky, [...completed(), poorSibling], 1);
    assert.equal(decision.action, 'prune');
    assert.equal(decision.action === 'prune' && decision.reason.seeds, 2);
    assert.ok(decision.action === 'prune' && Math.abs(decision.reason.value - 0.59) < 1e-12);
  });

  test('the judged λ counts its best value so far; the others their value at the epoch, completed runs only', () => {
    // At epoch 2 the others' means are 0.855, 0.755 and 0.65: the median is 0.755.
    assert.equal(judge(defaults, run(1e-2, [0.71, 0.5], 'running'), completed(), 2).action, 'prune');
    assert.deepEqual(
      judge(defaults, run(1e-2, [0.76, 0.5], 'running'), completed(), 2),
      { action: 'continue', why: 'at or above the threshold' },
      'its best so far (0.76, at epoch 1) is above the median, though epoch 2 fell to 0.5',
    );
    // A running or pruned run of another λ does not set the bar, as only completed trials do in Optuna.
    const others = [...completed(), run(0.5, [0.99, 0.99], 'running'), run(0.6, [0.98], 'pruned')];
    const decision = judge(defaults, run(1e-2, [0.65], 'running'), others, 1);
    assert.equal(decision.action === 'prune' && decision.reason.compared, 3);
    assert.equal(decision.action === 'prune' && decision.reason.threshold, 0.7);
  });

  test('warmupEpochs: a run’s first epochs are never judged', () => {
    const rule = { strategy: 'median', warmupEpochs: 1 } as const;
    assert.deepEqual(judge(rule, run(1e-2, [0.1], 'running'), completed(), 1), { action: 'continue', why: 'warmup' });
    assert.equal(judge(rule, run(1e-2, [0.1, 0.1], 'running'), completed(), 2).action, 'prune');
  });

  test('nothing to compare with: an epoch no other λ’s completed run reached', () => {
    assert.deepEqual(judge(defaults, run(1e-2, [0.1, 0.1, 0.1], 'running'), completed(), 3), { action: 'continue', why: 'nothing to compare with' });
  });

  test('a run that reached its budget is never pruned: that would save nothing', () => {
    assert.deepEqual(judge(defaults, run(1e-2, [0.1, 0.1], 'running'), completed(), 2, 2), { action: 'continue', why: 'last epoch' });
    assert.equal(judge(defaults, run(1e-2, [0.1, 0.1], 'running'), completed(), 2, 3).action, 'prune');
  });

  test('a NaN value is pruned, as in Optuna', () => {
    assert.equal(judge(defaults, run(1e-2, [Number.NaN], 'running'), completed(), 1).action, 'prune');
  });
});

describe('ASHA, seed-aware (Ray Tune defaults: gracePeriod 1, reductionFactor 4)', () => {
  const defaults = { strategy: 'asha' } as const;

  test('the defaults are Ray Tune’s, and the rungs are its milestones below the budget', () => {
    const config = pruningSchema.parse(defaults);
    assert.deepEqual(config, { strategy: 'asha', gracePeriod: 1, reductionFactor: 4 });
    if (config.strategy !== 'asha') throw new Error('unreachable');
    assert.deepEqual(ashaRungs(config, 20), [1, 4, 16]);
    assert.deepEqual(ashaRungs(config, 16), [1, 4], 'no rung at the last epoch: pruning there would save nothing');
    assert.deepEqual(ashaRungs({ ...config, gracePeriod: 2, reductionFactor: 3 }, 40), [2, 6, 18]);
  });

  test('judged at rungs only; the first λ at a rung always goes on', () => {
    assert.deepEqual(judge(defaults, run(1e-2, [0.1, 0.1]), [], 2), { action: 'continue', why: 'not a rung' });
    assert.deepEqual(judge(defaults, run(1e-2, [0.1]), [], 1), { action: 'continue', why: 'nothing to compare with' });
  });

  test('below the 1 − 1/reductionFactor quantile of the other λ values at the rung: pruned, whatever their status', () => {
    const others = [run(0, [0.8]), run(1e-6, [0.7], 'pruned'), run(1e-5, [0.6], 'running'), run(1e-4, [0.5])];
    // The 75th percentile of 0.5, 0.6, 0.7, 0.8 is 0.725.
    const decision = judge(defaults, run(1e-3, [0.72], 'running'), others, 1);
    assert.equal(decision.action, 'prune');
    if (decision.action !== 'prune') throw new Error('unreachable');
    assert.equal(decision.reason.rung, 0);
    assert.equal(decision.reason.compared, 4);
    assert.ok(Math.abs(decision.reason.threshold - 0.725) < 1e-12);
    assert.deepEqual(judge(defaults, run(1e-3, [0.73], 'running'), others, 1), { action: 'continue', why: 'at or above the threshold' });
  });

  test('at a later rung, the λ’s mean over its seeds at that epoch (its value there, not its best)', () => {
    const others = [run(0, [0.5, 0.6, 0.7, 0.8])];
    const sibling = run(1e-3, [0.6, 0.6, 0.7, 0.9]);
    const decision = judge(defaults, run(1e-3, [0.95, 0.6, 0.7, 0.6], 'running'), [...others, sibling], 4);
    assert.deepEqual(decision, {
      action: 'prune',
      reason: { strategy: 'asha', monitor: 'valAccuracy', epoch: 4, rung: 1, value: 0.75, seeds: 2, threshold: 0.8, compared: 1 },
    });
    const better = run(1e-3, [0.6, 0.6, 0.7, 0.7], 'running');
    assert.deepEqual(judge(defaults, better, [...others, sibling], 4), { action: 'continue', why: 'at or above the threshold' }, 'mean 0.8');
  });
});
