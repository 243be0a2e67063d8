import { z } from 'zod';
import { earlyStoppingSchema, pruneReasonSchema, stoppedEarlySchema } from './stopping.ts';

/**
 * The source lesson's run (784-512-256-10, λ = 1e-5, 40 epochs, batch 1024, Adam 1e-3, all the data):
 * the API's defaults for everything but λ, and what the demo, the reproduction and the benchmarks train.
 */
export const SEED_SPEC = {
  lambda: 1e-5,
  epochs: 40,
  batchSize: 1024,
  learningRate: 0.001,
  hiddenLayers: [512, 256],
} as const;

/**
 * Seeds are 0 … SEED_RANGE − 1: a client's seed is validated against it and a drawn one comes from it
 * (31 bits, so a seed fits a non-negative int32 everywhere it is stored).
 */
export const SEED_RANGE = 2 ** 31;

export const MAX_TRAIN_EXAMPLES = 60_000;
export const MAX_TEST_EXAMPLES = 10_000;

const finite = z.number().finite();

/** Everything of an experiment but λ: shared with sweeps, whose λ comes from a grid. */
export const experimentBaseSpecSchema = z.strictObject({
  epochs: z.number().int().min(1).max(500).default(SEED_SPEC.epochs),
  batchSize: z.number().int().min(1).max(MAX_TRAIN_EXAMPLES).default(SEED_SPEC.batchSize),
  learningRate: finite.gt(0).max(1).default(SEED_SPEC.learningRate),
  hiddenLayers: z
    .array(z.number().int().min(1).max(4096))
    .min(1)
    .max(8)
    .default([...SEED_SPEC.hiddenLayers]),
  /** Makes a run repeatable on the same backend; drawn and stored when omitted. */
  seed: z.number().int().min(0).max(SEED_RANGE - 1).optional(),
  name: z.string().trim().min(1).max(200).optional(),
  /** Train on the first N training examples only (quick runs, tests). */
  trainLimit: z.number().int().min(1).max(MAX_TRAIN_EXAMPLES).optional(),
  /** Validate and evaluate on the first N test examples only. */
  testLimit: z.number().int().min(1).max(MAX_TEST_EXAMPLES).optional(),
  /** Stop when a validation figure stops improving (Keras' EarlyStopping). */
  earlyStopping: earlyStoppingSchema.optional(),
});

export const lambdaSchema = finite.min(0).max(1e3);

export const experimentSpecSchema = experimentBaseSpecSchema.extend({ lambda: lambdaSchema });

/** The request body as a client writes it (defaults optional). */
export type ExperimentSpecInput = z.input<typeof experimentSpecSchema>;
/** The validated spec, defaults filled in. */
export type ExperimentSpec = z.output<typeof experimentSpecSchema>;
/** A spec as stored and trained: the seed is always decided. */
export type ResolvedExperimentSpec = ExperimentSpec & { seed: number };

export const EXPERIMENT_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'pruned'] as const;
export const experimentStatusSchema = z.enum(EXPERIMENT_STATUSES);
export type ExperimentStatus = z.infer<typeof experimentStatusSchema>;
/** States a run can still leave: it wants a worker, or has one. */
export const UNFINISHED_STATUSES = ['queued', 'running'] as const satisfies readonly ExperimentStatus[];
/** `pruned`: its sweep's pruning ended it (see stopping.ts); like a cancelled run, it can be resumed. */
export const FINISHED_STATUSES: readonly ExperimentStatus[] = ['completed', 'failed', 'cancelled', 'pruned'];
/** Finished runs that `POST /v1/experiments/:id/resume` continues from their last checkpoint. */
export const RESUMABLE_STATUSES = ['completed', 'cancelled', 'pruned'] as const satisfies readonly ExperimentStatus[];

/** One epoch as Keras reports it, plus the cross-entropy / penalty split and the epoch's wall time. */
export const epochMetricsSchema = z.object({
  epoch: z.number().int().min(1),
  /** Mean over the epoch's batches of cross-entropy + activation penalty (Keras' `loss`). */
  loss: z.number(),
  accuracy: z.number(),
  crossEntropy: z.number(),
  /** Mean over batches of λ·Σa² summed over the batch and every regularized unit. */
  penalty: z.number(),
  valLoss: z.number(),
  valAccuracy: z.number(),
  valCrossEntropy: z.number(),
  valPenalty: z.number(),
  durationMs: z.number(),
});
export type EpochMetrics = z.infer<typeof epochMetricsSchema>;

export const datasetEvaluationSchema = z.object({
  /** As the seed's `evaluate`: cross-entropy + penalty at Keras' default evaluation batch of 32. */
  loss: z.number(),
  accuracy: z.number(),
  crossEntropy: z.number(),
  penalty: z.number(),
  examples: z.number().int(),
});
export type DatasetEvaluation = z.infer<typeof datasetEvaluationSchema>;

export const evaluationSchema = z.object({
  train: datasetEvaluationSchema,
  test: datasetEvaluationSchema,
  /** confusionMatrix[trueClass][predictedClass] on the test set. */
  confusionMatrix: z.array(z.array(z.number().int())),
  perClassAccuracy: z.array(z.object({ classIndex: z.number().int(), className: z.string(), accuracy: z.number(), support: z.number().int() })),
  evaluationBatchSize: z.number().int(),
});
export type Evaluation = z.infer<typeof evaluationSchema>;

export const finalResultsSchema = z.object({
  /** The epoch whose weights were evaluated: the last one, or the best one when early stopping restored it. */
  epoch: z.number().int(),
  trainAccuracy: z.number(),
  trainLoss: z.number(),
  testAccuracy: z.number(),
  testLoss: z.number(),
});

const storedSpecSchema = experimentSpecSchema.extend({ seed: z.number().int() });

/** A resume of a finished run: what it was before (its spec then, how far it had got, why it had stopped). */
export const resumeRecordSchema = z.object({
  at: z.iso.datetime(),
  status: z.enum(RESUMABLE_STATUSES),
  epochsDone: z.number().int(),
  spec: storedSpecSchema,
  stoppedEarly: stoppedEarlySchema.nullable(),
  pruned: pruneReasonSchema.nullable(),
});
export type ResumeRecord = z.infer<typeof resumeRecordSchema>;

export const experimentSchema = z.object({
  id: z.uuid(),
  name: z.string().nullable(),
  status: experimentStatusSchema,
  spec: storedSpecSchema,
  progress: z.object({ epoch: z.number().int(), epochs: z.number().int() }),
  backend: z.string().nullable(),
  /** The matmul kernels the backend ran with (e.g. native BLAS, fast wasm): they decide the speed. */
  kernels: z.string().nullable(),
  tfjsVersion: z.string().nullable(),
  dataset: z.object({ source: z.string(), version: z.string() }).nullable(),
  results: finalResultsSchema.nullable(),
  /** Why the run failed; while a failed attempt is being retried, why that attempt failed. */
  error: z.string().nullable(),
  /** Times a worker claimed the run (each start or resume after a crash, a shutdown or a retry). */
  attempts: z.number().int(),
  /** Set when early stopping ended the run before its budget. */
  stoppedEarly: stoppedEarlySchema.nullable(),
  /** Set while the run is `pruned`: why its sweep's pruning ended it. */
  pruned: pruneReasonSchema.nullable(),
  /** Each resume, oldest first; `spec` is what the run was submitted with before the first. */
  resumes: z.array(resumeRecordSchema),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});
export type Experiment = z.infer<typeof experimentSchema>;
