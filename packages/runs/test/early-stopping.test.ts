import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { earlyStoppingSchema, type EarlyStopping } from '@lab/contracts';
import { decideEarlyStopping, type MonitoredEpoch } from '../src/index.ts';

const config = (fields: Partial<EarlyStopping> & Pick<EarlyStopping, 'monitor' | 'patience'>): EarlyStopping => earlyStoppingSchema.parse(fields);
const history = (values: number[]): MonitoredEpoch[] => values.map((value, index) => ({ epoch: index + 1, value }));

/** Replays the decision epoch by epoch, as the engine takes it when each epoch is stored; the epoch it stops at. */
function stopEpoch(rule: EarlyStopping, values: number[], budget = 100): number | null {
  for (let stored = 1; stored <= values.length; stored++) {
    const decision = decideEarlyStopping(rule, history(values.slice(0, stored)), budget);
    if (decision.stop !== null) return decision.stop.epoch;
  }
  return null;
}

describe('decideEarlyStopping (Keras 3 EarlyStopping semantics)', () => {
  test('stops after `patience` epochs without improvement, saying where the best was and what it was', () => {
    const losses = [0.9, 0.7, 0.6, 0.61, 0.62, 0.63, 0.5];
    const rule = config({ monitor: 'valLoss', patience: 2 });
    assert.equal(stopEpoch(rule, losses), 5, 'best at 3, then epochs 4 and 5 wait: stop at 5');
    assert.deepEqual(decideEarlyStopping(rule, history(losses.slice(0, 5)), 100).stop, { epoch: 5, bestEpoch: 3, monitor: 'valLoss', best: 0.6 });
    assert.equal(decideEarlyStopping(rule, history(losses.slice(0, 4)), 100).stop, null, 'one epoch of waiting is not enough');
  });

  test('accuracy improves upwards, losses downwards', () => {
    const accuracies = [0.8, 0.85, 0.84, 0.83];
    assert.equal(stopEpoch(config({ monitor: 'valAccuracy', patience: 2 }), accuracies), 4);
    assert.equal(stopEpoch(config({ monitor: 'valCrossEntropy', patience: 2 }), accuracies), 3, 'read as a loss, 0.8 is the best and 0.85, 0.84 wait');
  });

  test('patience 0 stops at the first epoch that does not improve, never at the first epoch', () => {
    const rule = config({ monitor: 'valLoss', patience: 0 });
    assert.equal(stopEpoch(rule, [0.5]), null);
    assert.equal(stopEpoch(rule, [0.5, 0.4, 0.45]), 3);
  });

  test('minDelta: a change must exceed it to count as an improvement (a plateau stops the run)', () => {
    const creeping = [0.5, 0.495, 0.49, 0.485, 0.48];
    assert.equal(stopEpoch(config({ monitor: 'valLoss', patience: 2 }), creeping), null, 'every tiny gain counts without minDelta');
    const rule = config({ monitor: 'valLoss', patience: 2, minDelta: 0.01 });
    assert.equal(stopEpoch(rule, creeping), 3, 'no gain exceeds 0.01 after epoch 1');
    assert.deepEqual(decideEarlyStopping(rule, history(creeping.slice(0, 3)), 100).stop, { epoch: 3, bestEpoch: 1, monitor: 'valLoss', best: 0.5 });
    // A gain of more than minDelta resets the wait (0.5 → 0.48 is 0.02).
    assert.equal(stopEpoch(rule, [0.5, 0.495, 0.48, 0.475, 0.47]), 5);
  });

  test('newBest says when the stored epoch is the best so far (the weights restoreBestWeights keeps)', () => {
    const rule = config({ monitor: 'valAccuracy', patience: 5 });
    const values = [0.7, 0.8, 0.75, 0.81];
    const flags = values.map((_, index) => decideEarlyStopping(rule, history(values.slice(0, index + 1)), 100).newBest);
    assert.deepEqual(flags, [true, true, false, true]);
    assert.deepEqual(decideEarlyStopping(rule, history(values), 100).best, { epoch: 4, value: 0.81 });
  });

  test('the budget\'s last epoch is no early stop: the run ends there anyway', () => {
    const rule = config({ monitor: 'valLoss', patience: 1 });
    assert.equal(decideEarlyStopping(rule, history([0.5, 0.6]), 2).stop, null);
    assert.equal(decideEarlyStopping(rule, history([0.5, 0.6]), 3).stop?.epoch, 2);
  });

  test('a value that is not a number never improves; a first NaN is kept as the best to compare with', () => {
    const rule = config({ monitor: 'valLoss', patience: 1 });
    assert.equal(stopEpoch(rule, [0.5, Number.NaN]), 2);
    assert.equal(stopEpoch(rule, [Number.NaN, 0.4, 0.3]), 2, 'nothing beats a NaN best: Keras compares the same way');
  });

  test('is a pure function of the history: replaying it decides the same (a resumed run stops where it would have)', () => {
    const rule = config({ monitor: 'valLoss', patience: 3, minDelta: 0.001 });
    const values = [0.9, 0.8, 0.79, 0.7995, 0.8, 0.81, 0.6];
    assert.deepEqual(decideEarlyStopping(rule, history(values.slice(0, 6)), 50), decideEarlyStopping(rule, history(values.slice(0, 6)), 50));
    assert.equal(stopEpoch(rule, values), 6);
  });
});
