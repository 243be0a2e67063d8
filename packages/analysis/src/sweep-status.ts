import { EXPERIMENT_STATUSES, FINISHED_STATUSES, type ExperimentStatus, type SweepProgress, type SweepStatus } from '@lab/contracts';

/**
 * A sweep's status from its runs' statuses: queued until one starts, running while any is unfinished;
 * once all are finished, completed if each completed or was pruned (pruning is how a sweep ends runs
 * on purpose), cancelled if any was cancelled, else failed.
 */
export function sweepStatus(statuses: readonly ExperimentStatus[]): SweepStatus {
  const unfinished = statuses.filter((status) => !FINISHED_STATUSES.includes(status));
  if (unfinished.length > 0) return statuses.every((status) => status === 'queued') ? 'queued' : 'running';
  if (statuses.every((status) => status === 'completed' || status === 'pruned')) return 'completed';
  return statuses.includes('cancelled') ? 'cancelled' : 'failed';
}

/** Runs finished (whatever their outcome) out of all, and the count of each status. */
export function sweepProgress(statuses: readonly ExperimentStatus[]): SweepProgress {
  const byStatus = Object.fromEntries(EXPERIMENT_STATUSES.map((status) => [status, 0])) as Record<ExperimentStatus, number>;
  for (const status of statuses) byStatus[status] += 1;
  return {
    done: statuses.filter((status) => FINISHED_STATUSES.includes(status)).length,
    total: statuses.length,
    byStatus,
  };
}
