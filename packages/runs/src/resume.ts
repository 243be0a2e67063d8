import { RESUMABLE_STATUSES, stoppedEarlySchema, type ExperimentStatus, type ResolvedExperimentSpec, type ResumeRecord } from '@lab/contracts';
import { toPruneReason } from '@lab/db';
import { changeRun, lockRun, NO_LEASE, type Tx } from './run-rows.ts';
import { admit } from './submission.ts';

export type ResumeOutcome =
  /** `rank`: its place among its tenant's unfinished runs (the job's priority, see QueuedRun). */
  | { outcome: 'resumed'; rank: number }
  | { outcome: 'not-found' }
  /** Queued, running or failed: only a completed, cancelled or pruned run is resumed. */
  | { outcome: 'wrong-state'; status: ExperimentStatus }
  /** The run has already trained this many epochs; a resume must ask for more. */
  | { outcome: 'too-few-epochs'; epochsDone: number };

const isResumable = (status: ExperimentStatus): status is ResumeRecord['status'] => (RESUMABLE_STATUSES as readonly ExperimentStatus[]).includes(status);

/**
 * Puts a finished run back in the queue to train on to `epochs` in all. Its spec becomes the same spec
 * with `epochs` and without early stopping, and its sweep's pruning no longer applies to it: a resume
 * trains exactly to the epochs asked for. What the run was before (status, epochs done, spec, why it
 * stopped) is appended to its `resumes`. A completed run's evaluation, predictions and model are
 * deleted, to be replaced when it completes again; its checkpoint stays, and the claim resumes from
 * it, so the run ends exactly where an uninterrupted run of `epochs` epochs would. A resumed run counts
 * against its tenant's cap like a new one (RunCapExceededError when at it).
 */
export async function resumeRun(tx: Tx, ownerId: string, id: string, epochs: number, cap: number): Promise<ResumeOutcome> {
  const run = await lockRun(tx, id, ownerId);
  if (run === null) return { outcome: 'not-found' };
  if (!isResumable(run.status)) return { outcome: 'wrong-state', status: run.status };
  if (epochs <= run.epochsDone) return { outcome: 'too-few-epochs', epochsDone: run.epochsDone };
  // The run's row is locked before its tenant's, as a cancel locks runs before their sweep.
  const active = await admit(tx, ownerId, 1, cap);
  const before = await tx.experiment.findUniqueOrThrow({ where: { id }, select: { stoppedEarly: true, pruned: true } });
  const record: ResumeRecord = {
    at: run.now.toISOString(),
    status: run.status,
    epochsDone: run.epochsDone,
    spec: run.spec,
    stoppedEarly: before.stoppedEarly === null ? null : stoppedEarlySchema.parse(before.stoppedEarly),
    pruned: toPruneReason(before.pruned),
  };
  const { earlyStopping: _dropped, ...rest } = run.spec;
  const spec: ResolvedExperimentSpec = { ...rest, epochs };
  await tx.$executeRaw`
    UPDATE "experiments"
    SET "spec" = ${JSON.stringify(spec)}::jsonb, "stopped_early" = NULL, "pruned" = NULL,
        "resumes" = "resumes" || ${JSON.stringify([record])}::jsonb
    WHERE "id" = ${id}::uuid`;
  await tx.evaluation.deleteMany({ where: { experimentId: id } });
  await tx.testPrediction.deleteMany({ where: { experimentId: id } });
  await tx.trainedModel.deleteMany({ where: { experimentId: id } });
  await tx.bestWeights.deleteMany({ where: { experimentId: id } });
  await changeRun(tx, { ...run, spec }, { status: 'queued', finishedAt: null, errorMessage: null, failedAttempts: 0, ...NO_LEASE });
  return { outcome: 'resumed', rank: active + 1 };
}
