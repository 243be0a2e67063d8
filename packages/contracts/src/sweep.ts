import { z } from 'zod';
import {
  EXPERIMENT_STATUSES,
  experimentBaseSpecSchema,
  experimentStatusSchema,
  lambdaSchema,
  type EpochMetrics,
  type Experiment,
  type ExperimentStatus,
} from './experiment.ts';
import { pruneReasonSchema, pruningSchema, type PruneReason } from './stopping.ts';

/** Runs one sweep may create (λ values × seeds): enough for a dense grid, small enough to finish. */
export const MAX_SWEEP_RUNS = 100;

/**
 * `logspace` takes base-10 exponents, as numpy.logspace does: `{ from: -6, to: -3, count: 4 }` is
 * 1e-6, 1e-5, 1e-4, 1e-3. The bounds keep every value inside the λ range of an experiment.
 */
export const LOGSPACE_EXPONENTS = { min: -12, max: 3 } as const;

const exponentSchema = z.number().finite().min(LOGSPACE_EXPONENTS.min).max(LOGSPACE_EXPONENTS.max);

const distinct = (values: readonly number[]) => new Set(values).size === values.length;

export const lambdaListSchema = z
  .array(lambdaSchema)
  .min(1)
  .max(MAX_SWEEP_RUNS)
  .refine(distinct, 'must not repeat a value');

export const logspaceSchema = z.strictObject({
  logspace: z
    .strictObject({
      from: exponentSchema,
      to: exponentSchema,
      count: z.number().int().min(2).max(MAX_SWEEP_RUNS),
    })
    .refine((grid) => grid.to > grid.from, { path: ['to'], message: 'must be greater than `from`' }),
});

/** λ values as a list (λ = 0 allowed) or as a log-spaced grid (λ > 0 only: log 0 is −∞). */
export const lambdaGridSchema = z.union([lambdaListSchema, logspaceSchema], {
  error: `must be a list of λ values (each finite, 0 ≤ λ ≤ ${lambdaSchema.maxValue}) or { logspace: { from, to, count } } with base-10 exponents`,
});
export type LambdaGrid = z.infer<typeof lambdaGridSchema>;

/** Seeds of an experiment's range; the sweep runs every λ once per seed. */
const seedSchema = experimentBaseSpecSchema.shape.seed.unwrap();

/** Every experiment field but λ and the name: each run is named after its sweep, λ and seed. */
export const sweepBaseSpecSchema = experimentBaseSpecSchema.omit({ name: true });

/** Shorter than an experiment's name: each run is named `<sweep name>: λ = …, seed …`. */
export const MAX_SWEEP_NAME_LENGTH = 160;

export const sweepRequestSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(MAX_SWEEP_NAME_LENGTH).optional(),
    /** Omitted fields take the seed run's defaults. */
    base: sweepBaseSpecSchema.prefault({}),
    lambdas: lambdaGridSchema,
    /**
     * Several runs per λ, one per seed, to see the spread. Without it: one run per λ, all with the same
     * seed (`base.seed`, or one drawn for the sweep), so that the runs differ by λ alone.
     */
    seeds: z.array(seedSchema).min(1).max(MAX_SWEEP_RUNS).refine(distinct, 'must not repeat a value').optional(),
    /** Stop runs whose λ falls behind the others, as their epochs are stored (see stopping.ts). */
    pruning: pruningSchema.optional(),
  })
  .superRefine((request, ctx) => {
    if (request.seeds !== undefined && request.base.seed !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['base', 'seed'], message: 'must be left out when `seeds` is given' });
    }
    const lambdas = Array.isArray(request.lambdas) ? request.lambdas.length : request.lambdas.logspace.count;
    const seeds = request.seeds?.length ?? 1;
    // Each factor has its own bound (reported on its own field); here only their product is judged.
    if (lambdas <= MAX_SWEEP_RUNS && seeds <= MAX_SWEEP_RUNS && lambdas * seeds > MAX_SWEEP_RUNS) {
      ctx.addIssue({
        code: 'custom',
        // The seeds multiply the runs; without them the λ values alone are too many.
        path: [request.seeds === undefined ? 'lambdas' : 'seeds'],
        message: `${lambdas} λ values × ${seeds} seeds = ${lambdas * seeds} runs; a sweep may have at most ${MAX_SWEEP_RUNS}`,
      });
    }
  });
export type SweepRequestInput = z.input<typeof sweepRequestSchema>;
export type SweepRequest = z.output<typeof sweepRequestSchema>;

/** λ rounded to 12 significant digits, so that 10 ** -5 is stored and shown as 1e-5. */
const tidy = (value: number): number => Number(value.toPrecision(12));

/** The λ values a grid stands for, in the order given (a logspace runs from `from` to `to`). */
export function resolveLambdas(grid: LambdaGrid): number[] {
  if (Array.isArray(grid)) return [...grid];
  const { from, to, count } = grid.logspace;
  return Array.from({ length: count }, (_, index) => tidy(10 ** (from + ((to - from) * index) / (count - 1))));
}

/** What a sweep stores and shows of its request: the base with defaults filled, λ values and seeds resolved. */
export const sweepSpecSchema = z.object({
  base: sweepBaseSpecSchema.omit({ seed: true }),
  lambdas: z.array(lambdaSchema),
  /** As submitted, so a logspace request can be seen as one. */
  grid: lambdaGridSchema,
  /** Every λ runs once per seed, in this (ascending) order. */
  seeds: z.array(seedSchema).min(1),
  /** Null when the sweep does not prune. */
  pruning: pruningSchema.nullable().default(null),
});
export type SweepSpec = z.infer<typeof sweepSpecSchema>;

/**
 * A sweep's status, derived from its runs: queued until one starts, running while any is unfinished,
 * then completed when every run completed or was pruned, cancelled when any was cancelled, else failed.
 */
export const sweepStatusSchema = experimentStatusSchema;
export type SweepStatus = ExperimentStatus;

export const sweepProgressSchema = z.object({
  /** Runs that have finished, whatever their outcome. */
  done: z.number().int(),
  total: z.number().int(),
  /** Runs per status, every status named (an object, not a record, so that OpenAPI clients get the keys). */
  byStatus: z.object(
    Object.fromEntries(EXPERIMENT_STATUSES.map((status) => [status, z.number().int()])) as Record<ExperimentStatus, z.ZodNumber>,
  ),
});
export type SweepProgress = z.infer<typeof sweepProgressSchema>;

/** One figure over a λ's runs: the mean, and the sample standard deviation where there are 2 or more. */
export const statSchema = z.object({ mean: z.number(), sd: z.number().nullable(), n: z.number().int() });
export type Stat = z.infer<typeof statSchema>;

/** What one run's stored history says about overfitting. Accuracies are fractions (0–1). */
export const runStatsSchema = z.object({
  /** Epochs in the history the figures come from (fewer than the spec's while the run goes on). */
  epochs: z.number().int(),
  finalTrainAccuracy: z.number(),
  finalValAccuracy: z.number(),
  bestValAccuracy: z.number(),
  /** The first epoch that reached the best validation accuracy. */
  bestEpoch: z.number().int(),
  /** Training − validation accuracy at the last epoch. */
  gapAtEnd: z.number(),
  /** Training − validation accuracy at the best epoch. */
  gapAtBest: z.number(),
  /** Minimum validation cross-entropy (the validation loss without the penalty) and its first epoch. */
  minValCrossEntropy: z.number(),
  minValCrossEntropyEpoch: z.number().int(),
  /** Mean over epochs of penalty / loss: how much of the training loss the activation penalty is. */
  penaltyShare: z.number(),
});
export type RunStats = z.infer<typeof runStatsSchema>;

/** Each figure of `runStatsSchema` over a λ's runs. */
export const rowSummarySchema = z.object(
  Object.fromEntries(Object.keys(runStatsSchema.shape).map((key) => [key, statSchema])) as {
    [Key in keyof RunStats]: typeof statSchema;
  },
);
export type RowSummary = z.infer<typeof rowSummarySchema>;

export const sweepRunSchema = z.object({
  experimentId: z.uuid(),
  seed: z.number().int(),
  status: experimentStatusSchema,
  progress: z.object({ epoch: z.number().int(), epochs: z.number().int() }),
  /** Null until the run has stored an epoch. */
  stats: runStatsSchema.nullable(),
  /** Why the sweep's pruning ended the run; null unless it is `pruned`. */
  pruned: pruneReasonSchema.nullable(),
});
export type SweepRun = z.infer<typeof sweepRunSchema>;

export const sweepRowSchema = z.object({
  lambda: z.number(),
  /**
   * True until every run of this λ has completed or been pruned: the figures then cover only what is
   * stored so far.
   */
  partial: z.boolean(),
  runs: z.array(sweepRunSchema),
  /**
   * Over the runs that have stored an epoch, pruned runs left out (their figures stop early, so they are
   * not comparable with finished runs'); null when no such run has.
   */
  summary: rowSummarySchema.nullable(),
});
export type SweepRow = z.infer<typeof sweepRowSchema>;

/**
 * Judged on the final validation accuracy (the model a run ends with). The one-standard-error rule
 * picks the most regularized λ whose mean is within one standard error of the best mean; the standard
 * error is the best λ's sd / √n, so it needs 2 or more runs at the best λ.
 */
export const recommendationSchema = z.object({
  metric: z.literal('finalValAccuracy'),
  best: z.object({ lambda: z.number(), valAccuracy: statSchema }),
  oneStandardError: z
    .object({ lambda: z.number(), valAccuracy: statSchema, standardError: z.number(), threshold: z.number() })
    .nullable(),
  /** True while a row is partial: the answer may still change. */
  partial: z.boolean(),
});
export type Recommendation = z.infer<typeof recommendationSchema>;

/** A λ the answer compares: its figures as means over the runs with results. Accuracies are fractions. */
export const answerPointSchema = z.object({
  lambda: z.number(),
  /** Runs the means are over. */
  runs: z.number().int(),
  finalTrainAccuracy: z.number(),
  finalValAccuracy: z.number(),
  gapAtEnd: z.number(),
  bestEpoch: z.number(),
  minValCrossEntropyEpoch: z.number(),
  penaltyShare: z.number(),
});

/**
 * The lesson's question — how does λ change overfitting? — answered by comparing the smallest and the
 * largest λ with results. A difference "stands out" when it exceeds twice the standard error of the
 * difference of the two means (seed-to-seed noise), or 1 point where a side has a single run.
 * `text` and `inShort` are worded from these figures alone.
 */
export const sweepAnswerSchema = z.object({
  smallest: answerPointSchema,
  largest: answerPointSchema,
  gap: z.object({
    /** The largest λ's gap at the end minus the smallest λ's. */
    change: z.number(),
    standsOut: z.boolean(),
    /** `narrows` or `widens` when the change stands out, else `flat`. */
    trend: z.enum(['narrows', 'widens', 'flat']),
    /** Whether the gap moves the trend's way (or stays) at every step from one λ to the next; null when flat. */
    monotone: z.boolean().nullable(),
  }),
  /** The recommendation's best λ (final validation accuracy) and its gain over the smallest λ. */
  best: z.object({ lambda: z.number(), finalValAccuracy: z.number(), gain: z.number(), gainStandsOut: z.boolean() }),
  /** The largest λ's validation accuracy is clearly below the best's. */
  largestFallsBelowBest: z.boolean(),
  /** The largest λ fits less: training accuracy clearly below the smallest λ's, validation clearly below the best. */
  underfits: z.boolean(),
  /** The recommendation's one-standard-error choice; null with a single run at the best λ. */
  oneStandardError: z.object({ lambda: z.number(), standardError: z.number() }).nullable(),
  verdict: z.enum(['reduces_overfitting', 'narrows_by_underfitting', 'no_measurable_reduction']),
  /** The findings in one paragraph of plain text. */
  text: z.string(),
  /** The verdict in one sentence, worded to follow "In short:". */
  inShort: z.string(),
});
export type SweepAnswer = z.infer<typeof sweepAnswerSchema>;

/** `plotHref`: where the report links the plot; relative, so the default reaches `GET /v1/sweeps/:id/plot.svg`. */
export const sweepReportQuerySchema = z.strictObject({
  plotHref: z
    .string()
    .max(200)
    .regex(/^[\w.~-][\w.~/-]*$/, 'must be a relative link of letters, digits and . _ ~ - /')
    .default('plot.svg'),
});

export const sweepHeaderSchema = z.object({
  id: z.uuid(),
  name: z.string().nullable(),
  status: sweepStatusSchema,
  progress: sweepProgressSchema,
  spec: sweepSpecSchema,
  createdAt: z.iso.datetime(),
});
export type SweepHeader = z.infer<typeof sweepHeaderSchema>;

export const sweepSchema = sweepHeaderSchema.extend({
  /** One per λ, in the order of `spec.lambdas`. */
  rows: z.array(sweepRowSchema),
  /** Null until some run has stored an epoch. */
  recommendation: recommendationSchema.nullable(),
  /** Null while fewer than two λ values have results. */
  answer: sweepAnswerSchema.nullable(),
});
export type Sweep = z.infer<typeof sweepSchema>;

export const createdSweepSchema = z.object({
  id: z.uuid(),
  status: sweepStatusSchema,
  /** One per run, λ by λ and, within a λ, seed by seed. */
  experimentIds: z.array(z.uuid()),
});

export const sweepListSchema = z.object({
  items: z.array(sweepHeaderSchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

/** λ as people write it: 0, 1e-5, 3.16227766017e-5. */
export const formatLambda = (lambda: number): string => (lambda === 0 ? '0' : lambda.toExponential());

/** The epoch figures a sweep's summary is computed from. */
export type SweepEpochPoint = Pick<EpochMetrics, 'epoch' | 'loss' | 'accuracy' | 'penalty' | 'valAccuracy' | 'valCrossEntropy'>;

/** One run of a sweep as stored: its λ, seed, state and every epoch it has written so far. */
export interface SweepRunRecord {
  experimentId: string;
  lambda: number;
  seed: number;
  status: ExperimentStatus;
  epochsDone: number;
  epochs: number;
  history: readonly SweepEpochPoint[];
  /** Why it was pruned; null unless it is `pruned`. */
  pruned: PruneReason | null;
  /** Where and when it trained, as stored: null until a worker has recorded it. */
  backend: Experiment['backend'];
  tfjsVersion: Experiment['tfjsVersion'];
  dataset: Experiment['dataset'];
  startedAt: Date | null;
  finishedAt: Date | null;
}
