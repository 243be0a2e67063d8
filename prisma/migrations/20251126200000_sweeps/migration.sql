-- AlterTable
ALTER TABLE "experiments" ADD COLUMN     "sweep_id" UUID;

-- CreateTable
CREATE TABLE "sweeps" (
    "id" UUID NOT NULL,
    "name" TEXT,
    "owner_id" TEXT,
    "spec" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sweeps_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "experiments_sweep_id_created_at_idx" ON "experiments"("sweep_id", "created_at");

-- CreateIndex
CREATE INDEX "sweeps_created_at_idx" ON "sweeps"("created_at");

-- AddForeignKey
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE SET NULL ON UPDATE CASCADE;
