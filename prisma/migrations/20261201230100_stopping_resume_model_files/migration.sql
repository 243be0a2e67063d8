-- Early stopping, pruning, resume and model files: why a run stopped before its budget (early
-- stopping, or its sweep's pruning), each resume with the spec it replaced, the best epoch's weights
-- kept durably for early stopping's restoreBestWeights, the epoch a final evaluation's weights come
-- from, and the content hash of a trained model's weights (the model file's ETag).

-- AlterTable
ALTER TABLE "experiments" ADD COLUMN     "stopped_early" JSONB,
ADD COLUMN     "pruned" JSONB,
ADD COLUMN     "resumes" JSONB NOT NULL DEFAULT '[]';

-- AlterTable: evaluations from before early stopping are of the last epoch.
ALTER TABLE "evaluations" ADD COLUMN     "epoch" INTEGER;
UPDATE "evaluations" SET "epoch" = "experiments"."epochs_done" FROM "experiments" WHERE "experiments"."id" = "evaluations"."experiment_id";
ALTER TABLE "evaluations" ALTER COLUMN "epoch" SET NOT NULL;

-- AlterTable
ALTER TABLE "trained_models" ADD COLUMN     "weights_sha256" VARCHAR(64);
UPDATE "trained_models" SET "weights_sha256" = encode(sha256("weight_data"), 'hex');
ALTER TABLE "trained_models" ALTER COLUMN "weights_sha256" SET NOT NULL;

-- CreateTable
CREATE TABLE "best_weights" (
    "experiment_id" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "weight_specs" JSONB NOT NULL,
    "weight_data" BYTEA NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "best_weights_pkey" PRIMARY KEY ("experiment_id")
);

-- AddForeignKey
ALTER TABLE "best_weights" ADD CONSTRAINT "best_weights_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE CASCADE ON UPDATE CASCADE;
