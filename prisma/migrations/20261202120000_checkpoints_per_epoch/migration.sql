-- One checkpoint row per (run, epoch). The worker writes an epoch's checkpoint on its own, just before
-- the transaction that stores the epoch's metrics (so that its megabytes reach Postgres as binary
-- parameters, not through Prisma's JSON protocol); that transaction deletes the run's older rows. A
-- crash between the two leaves a row above epochs_done, which the resume ignores and the replay of that
-- epoch rewrites.
ALTER TABLE "checkpoints" DROP CONSTRAINT "checkpoints_pkey";
ALTER TABLE "checkpoints" ADD CONSTRAINT "checkpoints_pkey" PRIMARY KEY ("experiment_id", "epoch");
