import type { Checkpoint } from '@lab/contracts';
import type pg from 'pg';
import type { Tx } from './run-rows.ts';

const asBuffer = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/**
 * Stores an epoch's checkpoint as the row (run, epoch), only while `leaseToken` holds the run; false
 * when it does not (nothing written). Its own statement through `pg`, ahead of the transaction that
 * stores the epoch's metrics: Prisma 7 would send the megabytes as base64 inside a JSON query (several
 * copies in the worker's memory), pg sends each as one binary parameter. The run's row is locked for
 * the statement, so a takeover of the lease either precedes it (nothing written) or waits for it.
 */
export async function writeCheckpoint(pool: pg.Pool, runId: string, leaseToken: string, checkpoint: Checkpoint): Promise<boolean> {
  const written = await pool.query(
    `WITH holder AS (SELECT "id" FROM "experiments" WHERE "id" = $1::uuid AND "lease_token" = $2::uuid FOR UPDATE)
     INSERT INTO "checkpoints" ("experiment_id", "epoch", "weight_specs", "weight_data", "optimizer_specs", "optimizer_state", "updated_at")
     SELECT "id", $3, $4::jsonb, $5, $6::jsonb, $7, now() FROM holder
     ON CONFLICT ("experiment_id", "epoch") DO UPDATE SET
       "weight_specs" = EXCLUDED."weight_specs", "weight_data" = EXCLUDED."weight_data",
       "optimizer_specs" = EXCLUDED."optimizer_specs", "optimizer_state" = EXCLUDED."optimizer_state", "updated_at" = now()`,
    [
      runId,
      leaseToken,
      checkpoint.epoch,
      JSON.stringify(checkpoint.weights.specs),
      asBuffer(checkpoint.weights.data),
      JSON.stringify(checkpoint.optimizer.specs),
      asBuffer(checkpoint.optimizer.data),
    ],
  );
  return written.rowCount === 1;
}

/**
 * Deletes the run's checkpoints older than its resume point (the latest at or below `epochsDone`), in
 * the transaction that moved `epochsDone`: one row per run stays, plus, briefly, the next epoch's.
 */
export async function deleteOlderCheckpoints(tx: Tx, runId: string, epochsDone: number): Promise<void> {
  await tx.$executeRaw`
    DELETE FROM "checkpoints" WHERE "experiment_id" = ${runId}::uuid AND "epoch" < (
      SELECT max("epoch") FROM "checkpoints" WHERE "experiment_id" = ${runId}::uuid AND "epoch" <= ${epochsDone})`;
}

/** The checkpoint a run resumes from: its latest at or below `epochsDone`; null when there is none. */
export async function readResumeCheckpoint(tx: Tx, runId: string, epochsDone: number) {
  return tx.checkpoint.findFirst({ where: { experimentId: runId, epoch: { lte: epochsDone } }, orderBy: { epoch: 'desc' } });
}
