import { monitorImprovesUpwards, type EarlyStopping, type StoppedEarly } from '@lab/contracts';

/** The monitored figure of one stored epoch. */
export interface MonitoredEpoch {
  epoch: number;
  value: number;
}

export interface EarlyStoppingDecision {
  /** The best epoch so far and its value (Keras' `best`, `best_epoch`). */
  best: MonitoredEpoch;
  /** The last epoch is the best so far: its weights are the ones restoreBestWeights keeps. */
  newBest: boolean;
  /** Set when training stops after the last epoch, before its budget. */
  stop: StoppedEarly | null;
}

/**
 * Keras' EarlyStopping (Keras 3, no baseline, from the first epoch) replayed over a run's stored
 * history, epochs 1…e in order, e being the epoch just stored. Each epoch counts one more epoch of
 * waiting, an improvement (better than the best by more than minDelta) resets the wait, and training
 * stops at the first epoch after the first whose wait reaches `patience`. A pure function of the stored
 * history: a run resumed after a crash decides exactly as the uninterrupted run would. A stop at the
 * budget's last epoch is no early stop: the run ends there anyway.
 */
export function decideEarlyStopping(config: EarlyStopping, history: readonly MonitoredEpoch[], budget: number): EarlyStoppingDecision {
  const last = history.at(-1);
  if (last === undefined) throw new RangeError('early stopping judges a stored epoch: the history is empty');
  const upwards = monitorImprovesUpwards(config.monitor);
  const improves = (value: number, best: number): boolean => (upwards ? value - config.minDelta > best : value + config.minDelta < best);
  // The first epoch always improves on "no best yet" (Keras 3's `best = None`), even when it is NaN.
  let best = history[0]!;
  let wait = 0;
  for (const epoch of history.slice(1)) {
    wait += 1;
    if (improves(epoch.value, best.value)) {
      best = epoch;
      wait = 0;
    }
  }
  const stops = best !== last && wait >= config.patience && last.epoch < budget;
  return {
    best,
    newBest: best === last,
    stop: stops ? { epoch: last.epoch, bestEpoch: best.epoch, monitor: config.monitor, best: best.value } : null,
  };
}
