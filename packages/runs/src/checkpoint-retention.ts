import { FINISHED_STATUSES } from '@lab/contracts';
import type { PrismaClient } from '@lab/db';

/** Expired runs whose checkpoints one call deletes: cleanup is spread over the claims that write new ones. */
const EXPIRED_RUNS_PER_CALL = 20;

/**
 * Deletes the checkpoint and best-epoch weights of up to 20 runs that finished more than `retentionMs`
 * ago (a resume clears `finishedAt`, so a resumed run is never among them). Called before each claim.
 * A run resumed after its checkpoint expired trains from epoch 1 again: its epochs replay identically
 * (they derive from the seed), so it still ends where an uninterrupted run would, only later.
 * Returns how many checkpoints were deleted.
 */
export async function deleteExpiredCheckpoints(prisma: PrismaClient, retentionMs: number): Promise<number> {
  const finished = [...FINISHED_STATUSES];
  const expired = (table: 'checkpoints' | 'best_weights') => prisma.$executeRawUnsafe(
    `DELETE FROM "${table}" WHERE "experiment_id" IN (
       SELECT t."experiment_id" FROM "${table}" t JOIN "experiments" e ON e."id" = t."experiment_id"
       WHERE e."status"::text = ANY($1::text[]) AND e."finished_at" < now() - $2 * interval '1 millisecond'
       LIMIT ${EXPIRED_RUNS_PER_CALL})`,
    finished,
    retentionMs,
  );
  await expired('best_weights');
  return expired('checkpoints');
}
