import type { RowSummary, RunStats, SweepRow, SweepRunRecord } from '@lab/contracts';
import { runStats } from './run-stats.ts';
import { stat } from './stat.ts';


const STAT_KEYS = [
  'epochs',
  'finalTrainAccuracy',
  'finalValAccuracy',
  'bestValAccuracy',
  'bestEpoch',
  'gapAtEnd',
  'gapAtBest',
  'minValCrossEntropy',
  'minValCrossEntropyEpoch',
  'penaltyShare',
] as const satisfies readonly (keyof RunStats)[];

/** Every figure as mean ± sd over the runs that have one. */
function summarize(stats: readonly RunStats[]): RowSummary | null {
  if (stats.length === 0) return null;
  return Object.fromEntries(STAT_KEYS.map((key) => [key, stat(stats.map((run) => run[key]))])) as RowSummary;
}

/**
 * One row per λ, in the order of `lambdas`, from the runs' stored histories. A row is partial until
 * every run of its λ has completed or been pruned; its figures then cover the runs and epochs stored
 * so far. Pruned runs are left out of the figures: they stopped early by design, and their last epoch
 * is not comparable with a finished run's (as Optuna picks its best trial among completed trials).
 */
export function sweepRows(lambdas: readonly number[], runs: readonly SweepRunRecord[]): SweepRow[] {
  return lambdas.map((lambda) => {
    const ofLambda = runs.filter((run) => run.lambda === lambda);
    const rowRuns = ofLambda.map((run) => ({
      experimentId: run.experimentId,
      seed: run.seed,
      status: run.status,
      progress: { epoch: run.epochsDone, epochs: run.epochs },
      stats: runStats(run.history),
      pruned: run.pruned,
    }));
    return {
      lambda,
      partial: ofLambda.some((run) => run.status !== 'completed' && run.status !== 'pruned'),
      runs: rowRuns,
      summary: summarize(rowRuns.flatMap((run) => (run.stats === null || run.status === 'pruned' ? [] : [run.stats]))),
    };
  });
}
