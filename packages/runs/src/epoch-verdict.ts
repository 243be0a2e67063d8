import { sweepSpecSchema, type EpochVerdict } from '@lab/contracts';
import { toSpec } from '@lab/db';
import { decideEarlyStopping } from './early-stopping.ts';
import { decidePruning, type PrunableRun } from './pruning.ts';
import type { LockedRun, Tx } from './run-rows.ts';

/**
 * What the engine answers the worker that stored `epoch` of `run`, decided inside the transaction that
 * stored it from what Postgres holds: the sweep's pruning first (a λ that falls behind ends whatever
 * its own rule says), then the run's early stopping. The decisions themselves are the pure functions
 * of pruning.ts and early-stopping.ts; this reads their inputs.
 */
export async function judgeEpoch(tx: Tx, run: LockedRun, epoch: number): Promise<EpochVerdict> {
  const pruned = run.sweepId === null ? null : await judgeByPruning(tx, run, run.sweepId, epoch);
  if (pruned !== null) return pruned;
  const config = run.spec.earlyStopping;
  if (config === undefined) return { action: 'continue', newBest: false };
  const rows = await tx.epochMetric.findMany({
    where: { experimentId: run.id, epoch: { lte: epoch } },
    orderBy: { epoch: 'asc' },
    select: { epoch: true, valLoss: true, valAccuracy: true, valCrossEntropy: true },
  });
  const decision = decideEarlyStopping(config, rows.map((row) => ({ epoch: row.epoch, value: row[config.monitor] })), run.spec.epochs);
  return decision.stop === null
    ? { action: 'continue', newBest: decision.newBest }
    : { action: 'stop', outcome: 'early-stopped', stoppedEarly: decision.stop };
}

/** The prune verdict, or null when the sweep does not prune, the run was resumed, or it goes on. */
async function judgeByPruning(tx: Tx, run: LockedRun, sweepId: string, epoch: number): Promise<EpochVerdict | null> {
  const sweep = await tx.sweep.findUniqueOrThrow({ where: { id: sweepId }, select: { spec: true } });
  const { pruning } = sweepSpecSchema.parse(sweep.spec);
  if (pruning === null) return null;
  const rows = await tx.experiment.findMany({
    where: { sweepId },
    select: {
      id: true,
      spec: true,
      status: true,
      resumes: true,
      epochs: { where: { epoch: { lte: epoch } }, select: { epoch: true, valAccuracy: true } },
    },
  });
  // A resumed run trains to the epochs its resume asked for: a person overruled the pruner.
  const resumed = rows.some((row) => row.id === run.id && Array.isArray(row.resumes) && row.resumes.length > 0);
  if (resumed) return null;
  const runs: PrunableRun[] = rows.map((row) => ({
    id: row.id,
    lambda: toSpec(row.spec).lambda,
    status: row.status,
    values: new Map(row.epochs.map((point) => [point.epoch, point.valAccuracy])),
  }));
  const decision = decidePruning({ pruning, run: { id: run.id, lambda: run.spec.lambda }, epoch, budget: run.spec.epochs, runs });
  return decision.action === 'prune' ? { action: 'stop', outcome: 'pruned', pruned: decision.reason } : null;
}
