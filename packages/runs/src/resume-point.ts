import { stoppedEarlySchema, type Checkpoint, type EncodedTensors, type StoppedEarly } from '@lab/contracts';
import { toCheckpoint, toEpochWeights } from '@lab/db';
import { readResumeCheckpoint } from './checkpoints.ts';
import type { Tx } from './run-rows.ts';

/** Where a claimed run's training picks up. */
export interface ResumePoint {
  /** The last end-of-epoch checkpoint; null for a fresh start (or once it expired: a replay from scratch). */
  checkpoint: Checkpoint | null;
  /** The best epoch's weights so far, kept while early stopping with restoreBestWeights trains. */
  bestWeights: { epoch: number; weights: EncodedTensors } | null;
  /** Set when early stopping had ended the run and its worker died before completing it. */
  stoppedEarly: StoppedEarly | null;
}

export async function readResumePoint(tx: Tx, id: string): Promise<ResumePoint> {
  const run = await tx.experiment.findUniqueOrThrow({ where: { id }, select: { stoppedEarly: true, epochsDone: true } });
  const checkpoint = await readResumeCheckpoint(tx, id, run.epochsDone);
  const bestWeights = await tx.bestWeights.findUnique({ where: { experimentId: id } });
  return {
    checkpoint: checkpoint === null ? null : toCheckpoint(checkpoint),
    bestWeights: bestWeights === null ? null : toEpochWeights(bestWeights),
    stoppedEarly: run.stoppedEarly === null ? null : stoppedEarlySchema.parse(run.stoppedEarly),
  };
}
