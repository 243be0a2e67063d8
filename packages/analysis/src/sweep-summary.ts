import type { Recommendation, SweepAnswer, SweepProgress, SweepRow, SweepRunRecord, SweepStatus } from '@lab/contracts';
import { recommend } from './recommendation.ts';
import { sweepAnswer } from './sweep-answer.ts';
import { sweepRows } from './sweep-rows.ts';
import { sweepProgress, sweepStatus } from './sweep-status.ts';

export interface SweepSummary {
  status: SweepStatus;
  progress: SweepProgress;
  rows: SweepRow[];
  recommendation: Recommendation | null;
  answer: SweepAnswer | null;
}

/** Everything a sweep shows beyond its spec, from its runs as stored: right mid-run and after restarts. */
export function summarizeSweep(lambdas: readonly number[], runs: readonly SweepRunRecord[]): SweepSummary {
  const statuses = runs.map((run) => run.status);
  const rows = sweepRows(lambdas, runs);
  const recommendation = recommend(rows);
  return { status: sweepStatus(statuses), progress: sweepProgress(statuses), rows, recommendation, answer: sweepAnswer({ rows, recommendation }) };
}
