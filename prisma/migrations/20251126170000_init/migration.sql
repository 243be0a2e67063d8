-- CreateEnum
CREATE TYPE "ExperimentStatus" AS ENUM ('queued', 'running', 'completed', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "experiments" (
    "id" UUID NOT NULL,
    "name" TEXT,
    "owner_id" TEXT,
    "spec" JSONB NOT NULL,
    "seed" INTEGER NOT NULL,
    "status" "ExperimentStatus" NOT NULL DEFAULT 'queued',
    "epochs_done" INTEGER NOT NULL DEFAULT 0,
    "backend" TEXT,
    "tfjs_version" TEXT,
    "dataset_source" TEXT,
    "dataset_version" TEXT,
    "error_message" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "experiments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "epoch_metrics" (
    "experiment_id" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "loss" DOUBLE PRECISION NOT NULL,
    "accuracy" DOUBLE PRECISION NOT NULL,
    "cross_entropy" DOUBLE PRECISION NOT NULL,
    "penalty" DOUBLE PRECISION NOT NULL,
    "val_loss" DOUBLE PRECISION NOT NULL,
    "val_accuracy" DOUBLE PRECISION NOT NULL,
    "val_cross_entropy" DOUBLE PRECISION NOT NULL,
    "val_penalty" DOUBLE PRECISION NOT NULL,
    "duration_ms" DOUBLE PRECISION NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "epoch_metrics_pkey" PRIMARY KEY ("experiment_id","epoch")
);

-- CreateTable
CREATE TABLE "evaluations" (
    "experiment_id" UUID NOT NULL,
    "train_loss" DOUBLE PRECISION NOT NULL,
    "train_accuracy" DOUBLE PRECISION NOT NULL,
    "test_loss" DOUBLE PRECISION NOT NULL,
    "test_accuracy" DOUBLE PRECISION NOT NULL,
    "details" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "evaluations_pkey" PRIMARY KEY ("experiment_id")
);

-- CreateTable
CREATE TABLE "test_predictions" (
    "experiment_id" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "true_class" SMALLINT NOT NULL,
    "predicted_class" SMALLINT NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "test_predictions_pkey" PRIMARY KEY ("experiment_id","index")
);

-- CreateTable
CREATE TABLE "trained_models" (
    "experiment_id" UUID NOT NULL,
    "topology" JSONB NOT NULL,
    "weight_specs" JSONB NOT NULL,
    "weight_data" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "trained_models_pkey" PRIMARY KEY ("experiment_id")
);

-- CreateTable
CREATE TABLE "checkpoints" (
    "experiment_id" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "weight_specs" JSONB NOT NULL,
    "weight_data" BYTEA NOT NULL,
    "optimizer_state" BYTEA NOT NULL,
    "optimizer_specs" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "checkpoints_pkey" PRIMARY KEY ("experiment_id")
);

-- CreateIndex
CREATE INDEX "experiments_status_created_at_idx" ON "experiments"("status", "created_at");

-- CreateIndex
CREATE INDEX "experiments_created_at_idx" ON "experiments"("created_at");

-- AddForeignKey
ALTER TABLE "epoch_metrics" ADD CONSTRAINT "epoch_metrics_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "test_predictions" ADD CONSTRAINT "test_predictions_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trained_models" ADD CONSTRAINT "trained_models_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "checkpoints" ADD CONSTRAINT "checkpoints_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE CASCADE ON UPDATE CASCADE;
