import type { RowSummary, SweepAnswer } from '@lab/contracts';
import { wordAnswer } from './answer-wording.ts';
import { standsOut } from './noise.ts';
import type { SweepSummary } from './sweep-summary.ts';

/** The answer's figures and judgements, before they are worded. */
export type SweepFindings = Omit<SweepAnswer, 'text' | 'inShort'>;

interface Point {
  lambda: number;
  summary: RowSummary;
}

const answerPoint = ({ lambda, summary }: Point): SweepAnswer['smallest'] => ({
  lambda,
  runs: summary.finalValAccuracy.n,
  finalTrainAccuracy: summary.finalTrainAccuracy.mean,
  finalValAccuracy: summary.finalValAccuracy.mean,
  gapAtEnd: summary.gapAtEnd.mean,
  bestEpoch: summary.bestEpoch.mean,
  minValCrossEntropyEpoch: summary.minValCrossEntropyEpoch.mean,
  penaltyShare: summary.penaltyShare.mean,
});

/** Whether each step from one λ to the next moves the gap the trend's way or leaves it; null when flat. */
function monotone(gaps: readonly number[], trend: SweepAnswer['gap']['trend']): boolean | null {
  if (trend === 'flat') return null;
  return gaps.every((gap, index) => index === 0 || (trend === 'narrows' ? gap <= gaps[index - 1]! : gap >= gaps[index - 1]!));
}

/**
 * The lesson's question answered from a sweep's summary: the smallest λ with results against the
 * largest, every judgement made against the seed-to-seed noise, then worded. Null while fewer than two
 * λ values have results.
 */
export function sweepAnswer({ rows, recommendation }: Pick<SweepSummary, 'rows' | 'recommendation'>): SweepAnswer | null {
  const data: Point[] = rows
    .flatMap((row) => (row.summary === null ? [] : [{ lambda: row.lambda, summary: row.summary }]))
    .sort((a, b) => a.lambda - b.lambda);
  const first = data[0];
  const last = data.at(-1);
  if (recommendation === null || first === undefined || last === undefined || data.length < 2) return null;
  // The recommendation picks its best among these same rows.
  const best = data.find((point) => point.lambda === recommendation.best.lambda)!;
  const [f, l, b] = [first.summary, last.summary, best.summary];

  const change = l.gapAtEnd.mean - f.gapAtEnd.mean;
  const gapStandsOut = standsOut(change, f.gapAtEnd, l.gapAtEnd);
  const trend = !gapStandsOut ? 'flat' : change < 0 ? 'narrows' : 'widens';

  const gain = b.finalValAccuracy.mean - f.finalValAccuracy.mean;
  const gainStandsOut = best !== first && standsOut(gain, f.finalValAccuracy, b.finalValAccuracy);

  const valDrop = l.finalValAccuracy.mean - b.finalValAccuracy.mean;
  const largestFallsBelowBest = valDrop < 0 && standsOut(valDrop, b.finalValAccuracy, l.finalValAccuracy);
  // Underfitting: the largest λ fits the training data clearly worse, and validates clearly worse too.
  const trainDrop = l.finalTrainAccuracy.mean - f.finalTrainAccuracy.mean;
  const underfits = trainDrop < 0 && standsOut(trainDrop, f.finalTrainAccuracy, l.finalTrainAccuracy) && largestFallsBelowBest;

  const oneSe = recommendation.oneStandardError;
  const findings: SweepFindings = {
    smallest: answerPoint(first),
    largest: answerPoint(last),
    gap: { change, standsOut: gapStandsOut, trend, monotone: monotone(data.map((point) => point.summary.gapAtEnd.mean), trend) },
    best: { lambda: best.lambda, finalValAccuracy: b.finalValAccuracy.mean, gain, gainStandsOut },
    largestFallsBelowBest,
    underfits,
    oneStandardError: oneSe === null ? null : { lambda: oneSe.lambda, standardError: oneSe.standardError },
    verdict: trend !== 'narrows' ? 'no_measurable_reduction' : underfits ? 'narrows_by_underfitting' : 'reduces_overfitting',
  };
  return { ...findings, ...wordAnswer(findings) };
}
