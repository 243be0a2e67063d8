import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SweepEpochPoint as EpochPoint } from '@lab/contracts';
import { runStats, stat, standardError } from '../src/index.ts';

const point = (epoch: number, loss: number, accuracy: number, penalty: number, valAccuracy: number, valCrossEntropy: number): EpochPoint => ({
  epoch,
  loss,
  accuracy,
  penalty,
  valAccuracy,
  valCrossEntropy,
});

/** Overfits after epoch 2: training accuracy keeps climbing, validation peaks (a tie at 2 and 3) and falls. */
const history = [
  point(1, 1.0, 0.7, 0.5, 0.75, 0.6),
  point(2, 0.8, 0.82, 0.2, 0.84, 0.45),
  point(3, 0.5, 0.9, 0.1, 0.84, 0.5),
  point(4, 0.4, 0.95, 0.1, 0.83, 0.55),
];

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);

describe('runStats', () => {
  test('final and best accuracies, the gap at the end and at the best epoch, min cross-entropy, penalty share', () => {
    const stats = runStats(history);
    assert.ok(stats);
    assert.equal(stats.epochs, 4);
    assert.equal(stats.finalTrainAccuracy, 0.95);
    assert.equal(stats.finalValAccuracy, 0.83);
    assert.equal(stats.bestValAccuracy, 0.84);
    assert.equal(stats.bestEpoch, 2, 'a tie keeps the first epoch that reached the best');
    close(stats.gapAtEnd, 0.95 - 0.83, 'gap at end');
    close(stats.gapAtBest, 0.82 - 0.84, 'gap at best (validation above training there)');
    assert.equal(stats.minValCrossEntropy, 0.45);
    assert.equal(stats.minValCrossEntropyEpoch, 2);
    close(stats.penaltyShare, (0.5 / 1 + 0.2 / 0.8 + 0.1 / 0.5 + 0.1 / 0.4) / 4, 'mean of penalty / loss');
  });

  test('does not depend on the order the epochs arrive in', () => {
    assert.deepEqual(runStats([...history].reverse()), runStats(history));
  });

  test('describes a partial history as far as it goes, and no history as null', () => {
    const stats = runStats(history.slice(0, 1));
    assert.equal(stats?.epochs, 1);
    assert.equal(stats?.bestEpoch, 1);
    assert.equal(stats?.finalValAccuracy, 0.75);
    assert.equal(runStats([]), null);
  });

  test('a zero loss counts as no penalty share rather than NaN', () => {
    assert.equal(runStats([point(1, 0, 1, 0, 1, 0)])?.penaltyShare, 0);
  });
});

describe('stat', () => {
  test('mean and sample standard deviation (n − 1)', () => {
    const value = stat([1, 2, 3, 4]);
    assert.equal(value.mean, 2.5);
    close(value.sd!, Math.sqrt(5 / 3), 'sample sd');
    assert.equal(value.n, 4);
    close(standardError(value)!, Math.sqrt(5 / 3) / 2, 'standard error');
  });

  test('one value has no standard deviation; none is an error', () => {
    assert.deepEqual(stat([0.5]), { mean: 0.5, sd: null, n: 1 });
    assert.equal(standardError(stat([0.5])), null);
    assert.throws(() => stat([]), RangeError);
  });
});
