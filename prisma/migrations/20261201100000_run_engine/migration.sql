-- The run engine: every run and sweep has an owner; a lease in Postgres fences a run to one trainer
-- (a worker renews it while training; an expired lease means its worker is gone); attempts that end
-- without an outcome are counted so a poison run fails after a bounded number; every change bumps a
-- version (what ETags and cached summaries are keyed by); a sweep numbers its stored epochs in
-- commit order (the cursor of its event stream).

-- Rows from before owners existed belong to the single local tenant.
UPDATE "experiments" SET "owner_id" = 'local' WHERE "owner_id" IS NULL;
UPDATE "sweeps" SET "owner_id" = 'local' WHERE "owner_id" IS NULL;

-- AlterTable
ALTER TABLE "experiments" ALTER COLUMN "owner_id" SET NOT NULL,
ADD COLUMN     "lease_token" UUID,
ADD COLUMN     "lease_holder" TEXT,
ADD COLUMN     "lease_expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "failed_attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "kernels" TEXT,
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "sweeps" ALTER COLUMN "owner_id" SET NOT NULL,
ADD COLUMN     "event_seq" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "epoch_metrics" ADD COLUMN     "sweep_seq" INTEGER;

-- Every read is scoped to its owner: lists are read newest first within one owner.
DROP INDEX "experiments_status_created_at_idx";
DROP INDEX "experiments_created_at_idx";
DROP INDEX "sweeps_created_at_idx";

-- CreateIndex
CREATE INDEX "experiments_owner_id_created_at_idx" ON "experiments"("owner_id", "created_at");

-- CreateIndex
CREATE INDEX "experiments_owner_id_status_created_at_idx" ON "experiments"("owner_id", "status", "created_at");

-- CreateIndex: the reconciler's scan of unfinished runs.
CREATE INDEX "experiments_status_idx" ON "experiments"("status");

-- CreateIndex
CREATE INDEX "sweeps_owner_id_created_at_idx" ON "sweeps"("owner_id", "created_at");

-- A key is now stored in the same transaction as the resource it created, so it is never seen
-- half-done: the completion time is gone.
ALTER TABLE "idempotency_keys" DROP COLUMN "completed_at";
