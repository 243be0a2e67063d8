import type { Sweep, SweepHeader, SweepRow, SweepRunRecord } from '@lab/contracts';
import { summarizeSweep, type SweepSummary } from '@lab/analysis';
import type { StoredSweep } from '@lab/db';
import type { SweepPlotRow } from '@lab/plots';

export function sweepHeader(stored: StoredSweep, summary: Pick<SweepSummary, 'status' | 'progress'>): SweepHeader {
  return {
    id: stored.id,
    name: stored.name,
    status: summary.status,
    progress: summary.progress,
    spec: stored.spec,
    createdAt: stored.createdAt.toISOString(),
  };
}

/** A sweep as `GET /v1/sweeps/:id` shows it: its header, one row per λ, the recommendation and the answer. */
export function describeSweep(stored: StoredSweep, runs: readonly SweepRunRecord[]): Sweep {
  const summary = summarizeSweep(stored.spec.lambdas, runs);
  return { ...sweepHeader(stored, summary), rows: summary.rows, recommendation: summary.recommendation, answer: summary.answer };
}

/** The plot shows the final validation accuracy and the final gap, over the runs with an epoch. */
export function sweepPlotRows(rows: readonly SweepRow[]): SweepPlotRow[] {
  return rows.flatMap(({ lambda, summary }) =>
    summary === null
      ? []
      : [
          {
            lambda,
            valAccuracyMean: summary.finalValAccuracy.mean,
            valAccuracySd: summary.finalValAccuracy.sd,
            gapMean: summary.gapAtEnd.mean,
            gapSd: summary.gapAtEnd.sd,
          },
        ],
  );
}
