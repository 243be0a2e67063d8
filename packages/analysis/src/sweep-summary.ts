import type { Recommendation, SweepProgress, SweepRow, SweepRunRecord, SweepStatus } from '@lab/contracts';
import { recommend } from './recommendation.ts';
import { sweepRows } from './sweep-rows.ts';
import { sweepProgress, sweepStatus } from './sweep-status.ts';

export interface SweepSummary {
  status: SweepStatus;
  progress: SweepProgress;
  rows: SweepRow[];
  recommendation: Recommendation | null;
}

/** Everything a sweep shows beyond its spec, from its runs as stored: right mid-run and after restarts. */
export function summarizeSweep(lambdas: readonly number[], runs: readonly SweepRunRecord[]): SweepSummary {
  const statuses = runs.map((run) => run.status);
  const rows = sweepRows(lambdas, runs);
  return { status: sweepStatus(statuses), progress: sweepProgress(statuses), rows, recommendation: recommend(rows) };
}
