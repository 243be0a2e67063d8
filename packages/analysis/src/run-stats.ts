import type { RunStats, SweepEpochPoint as EpochPoint } from '@lab/contracts';

/** The first epoch whose value is best under `better` (ties keep the earlier epoch). */
function firstBest(history: readonly EpochPoint[], value: (point: EpochPoint) => number, better: (a: number, b: number) => boolean): EpochPoint {
  return history.reduce((best, point) => (better(value(point), value(best)) ? point : best));
}

/**
 * What a run's history says about overfitting; null for a run with no epoch yet. Works on a partial
 * history too (a run still going): the figures then describe the epochs stored so far.
 */
export function runStats(history: readonly EpochPoint[]): RunStats | null {
  if (history.length === 0) return null;
  const ordered = [...history].sort((a, b) => a.epoch - b.epoch);
  const last = ordered.at(-1)!;
  const best = firstBest(ordered, (point) => point.valAccuracy, (a, b) => a > b);
  const minCrossEntropy = firstBest(ordered, (point) => point.valCrossEntropy, (a, b) => a < b);
  // A zero loss (nothing left to learn, no penalty) has no penalty in it.
  const shares = ordered.map((point) => (point.loss > 0 ? point.penalty / point.loss : 0));
  return {
    epochs: ordered.length,
    finalTrainAccuracy: last.accuracy,
    finalValAccuracy: last.valAccuracy,
    bestValAccuracy: best.valAccuracy,
    bestEpoch: best.epoch,
    gapAtEnd: last.accuracy - last.valAccuracy,
    gapAtBest: best.accuracy - best.valAccuracy,
    minValCrossEntropy: minCrossEntropy.valCrossEntropy,
    minValCrossEntropyEpoch: minCrossEntropy.epoch,
    penaltyShare: shares.reduce((sum, share) => sum + share, 0) / shares.length,
  };
}
