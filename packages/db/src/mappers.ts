// Rows → contract shapes, in one place. JSON columns are validated with the contract schemas here, so
// a row that no longer matches the contract fails loudly instead of leaking out of the API.
import { evaluationSchema, experimentSchema } from '@lab/contracts';
import type { EpochMetrics, Evaluation, Experiment, ResolvedExperimentSpec } from '@lab/contracts';
import type { EpochMetric, Prisma } from './generated/client.ts';

const storedSpecSchema = experimentSchema.shape.spec;

/** What `toExperiment` needs: the experiment row plus the headline figures of its evaluation. */
export const experimentWithResults = {
  include: {
    evaluation: { select: { trainAccuracy: true, trainLoss: true, testAccuracy: true, testLoss: true } },
  },
} satisfies Prisma.ExperimentDefaultArgs;

export type ExperimentRow = Prisma.ExperimentGetPayload<typeof experimentWithResults>;

export function toSpec(json: unknown): ResolvedExperimentSpec {
  return storedSpecSchema.parse(json);
}

/** The dataset a run trained on, once the worker has recorded both its source and its version. */
export function toDataset(row: { datasetSource: string | null; datasetVersion: string | null }): Experiment['dataset'] {
  return row.datasetSource !== null && row.datasetVersion !== null ? { source: row.datasetSource, version: row.datasetVersion } : null;
}

export function toExperiment(row: ExperimentRow): Experiment {
  const spec = toSpec(row.spec);
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    spec,
    progress: { epoch: row.epochsDone, epochs: spec.epochs },
    backend: row.backend,
    tfjsVersion: row.tfjsVersion,
    dataset: toDataset(row),
    results: row.evaluation,
    error: row.errorMessage,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export function toEpochMetrics(row: EpochMetric): EpochMetrics {
  return {
    epoch: row.epoch,
    loss: row.loss,
    accuracy: row.accuracy,
    crossEntropy: row.crossEntropy,
    penalty: row.penalty,
    valLoss: row.valLoss,
    valAccuracy: row.valAccuracy,
    valCrossEntropy: row.valCrossEntropy,
    valPenalty: row.valPenalty,
    durationMs: row.durationMs,
  };
}

export function toEvaluation(details: unknown): Evaluation {
  return evaluationSchema.parse(details);
}
