// Rows → contract shapes, in one place. JSON columns are validated with the contract schemas here, so
// a row that no longer matches the contract fails loudly instead of leaking out of the API.
import { z } from 'zod';
import { evaluationSchema, experimentSchema, pruneReasonSchema, resumeRecordSchema, stoppedEarlySchema, tensorSpecsSchema } from '@lab/contracts';
import type { Checkpoint, EncodedTensors, EpochMetrics, Evaluation, Experiment, ModelArtifacts, PruneReason, ResolvedExperimentSpec } from '@lab/contracts';
import type { EpochMetric, Prisma } from './generated/client.ts';

const storedSpecSchema = experimentSchema.shape.spec;

/** What `toExperiment` needs: the experiment row plus the headline figures of its evaluation. */
export const experimentWithResults = {
  include: {
    evaluation: { select: { epoch: true, trainAccuracy: true, trainLoss: true, testAccuracy: true, testLoss: true } },
  },
} satisfies Prisma.ExperimentDefaultArgs;

export type ExperimentRow = Prisma.ExperimentGetPayload<typeof experimentWithResults>;

export function toSpec(json: unknown): ResolvedExperimentSpec {
  return storedSpecSchema.parse(json);
}

/** Why a run was pruned, as stored (null when it was not). */
export function toPruneReason(json: unknown): PruneReason | null {
  return json === null ? null : pruneReasonSchema.parse(json);
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
    kernels: row.kernels,
    tfjsVersion: row.tfjsVersion,
    dataset: toDataset(row),
    results: row.evaluation,
    error: row.errorMessage,
    attempts: row.attempts,
    stoppedEarly: row.stoppedEarly === null ? null : stoppedEarlySchema.parse(row.stoppedEarly),
    pruned: toPruneReason(row.pruned),
    resumes: resumeRecordSchema.array().parse(row.resumes),
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

/** model.json's `modelTopology`: an object, whatever tfjs put in it. */
const topologySchema = z.record(z.string(), z.unknown());

export function toModelArtifacts(row: { topology: unknown; weightSpecs: unknown; weightData: Uint8Array }): ModelArtifacts {
  return { ...toModelManifest(row), weightData: row.weightData };
}

export function toModelManifest<Row extends { topology: unknown; weightSpecs: unknown }>(
  row: Row,
): Omit<Row, 'topology' | 'weightSpecs'> & Pick<ModelArtifacts, 'topology' | 'weightSpecs'> {
  const { topology, weightSpecs, ...rest } = row;
  return { ...rest, topology: topologySchema.parse(topology), weightSpecs: tensorSpecsSchema.parse(weightSpecs) };
}

/** Weights kept with the epoch they are from (a run's best epoch under early stopping). */
export function toEpochWeights(row: { epoch: number; weightSpecs: unknown; weightData: Uint8Array }): { epoch: number; weights: EncodedTensors } {
  return { epoch: row.epoch, weights: { specs: tensorSpecsSchema.parse(row.weightSpecs), data: row.weightData } };
}

export function toCheckpoint(row: {
  epoch: number;
  weightSpecs: unknown;
  weightData: Uint8Array;
  optimizerSpecs: unknown;
  optimizerState: Uint8Array;
}): Checkpoint {
  return {
    epoch: row.epoch,
    weights: { specs: tensorSpecsSchema.parse(row.weightSpecs), data: row.weightData },
    optimizer: { specs: tensorSpecsSchema.parse(row.optimizerSpecs), data: row.optimizerState },
  };
}
