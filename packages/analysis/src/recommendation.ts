import type { Recommendation, SweepRow } from '@lab/contracts';
import { standardError } from './stat.ts';

/**
 * The λ with the best mean final validation accuracy (a tie goes to the larger λ), and by the
 * one-standard-error rule the largest λ whose mean is within one standard error of that best: the
 * most regularized choice the data cannot tell apart from the best. The standard error is the best
 * λ's sd / √n, so that part is null with fewer than 2 runs at the best λ. Null when no row has data.
 */
export function recommend(rows: readonly SweepRow[]): Recommendation | null {
  const candidates = rows.flatMap((row) => (row.summary === null ? [] : [{ lambda: row.lambda, valAccuracy: row.summary.finalValAccuracy }]));
  if (candidates.length === 0) return null;
  const best = candidates.reduce((top, candidate) => {
    const { mean } = candidate.valAccuracy;
    return mean > top.valAccuracy.mean || (mean === top.valAccuracy.mean && candidate.lambda > top.lambda) ? candidate : top;
  });
  const error = standardError(best.valAccuracy);
  let oneStandardError: Recommendation['oneStandardError'] = null;
  if (error !== null) {
    const threshold = best.valAccuracy.mean - error;
    const within = candidates.filter((candidate) => candidate.valAccuracy.mean >= threshold);
    const largest = within.reduce((top, candidate) => (candidate.lambda > top.lambda ? candidate : top));
    oneStandardError = { ...largest, standardError: error, threshold };
  }
  return {
    metric: 'finalValAccuracy',
    best,
    oneStandardError,
    partial: rows.some((row) => row.partial),
  };
}
