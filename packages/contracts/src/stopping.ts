import { z } from 'zod';

/**
 * Ending runs before their budget: a run's own early stopping (Keras' `EarlyStopping`) and a sweep's
 * pruning (Optuna's median rule, Ray Tune's ASHA), both judged by the run engine as each epoch is
 * stored, and what it answers the worker that stored the epoch.
 */

/** The validation figures a run can be stopped on; each is a field of a stored epoch. */
export const EARLY_STOPPING_MONITORS = ['valLoss', 'valAccuracy', 'valCrossEntropy'] as const;
export type EarlyStoppingMonitor = (typeof EARLY_STOPPING_MONITORS)[number];
/** Accuracy improves upwards, the losses downwards (Keras' mode `auto`). */
export const monitorImprovesUpwards = (monitor: EarlyStoppingMonitor): boolean => monitor === 'valAccuracy';

export const earlyStoppingSchema = z.strictObject({
  monitor: z.enum(EARLY_STOPPING_MONITORS),
  /** Epochs without an improvement after which training stops (0: at the first one without). */
  patience: z.number().int().min(0).max(500),
  /** The least change that counts as an improvement. */
  minDelta: z.number().finite().min(0).default(0),
  /** Evaluate, predict and export with the best epoch's weights instead of the last epoch's. */
  restoreBestWeights: z.boolean().default(false),
});
export type EarlyStopping = z.output<typeof earlyStoppingSchema>;

/** Where and why a run stopped before its budget. */
export const stoppedEarlySchema = z.object({
  /** The last epoch trained. */
  epoch: z.number().int().min(1),
  bestEpoch: z.number().int().min(1),
  monitor: z.enum(EARLY_STOPPING_MONITORS),
  /** The monitored value at the best epoch. */
  best: z.number(),
});
export type StoppedEarly = z.infer<typeof stoppedEarlySchema>;

export const PRUNING_STRATEGIES = ['median', 'asha'] as const;

/** Optuna's MedianPruner defaults: n_startup_trials = 5, n_warmup_steps = 0. */
export const medianPruningSchema = z.strictObject({
  strategy: z.literal('median'),
  /** Nothing is pruned until this many of the sweep's runs have completed. */
  startupRuns: z.number().int().min(0).max(100).default(5),
  /** A run's first this many epochs are never judged. */
  warmupEpochs: z.number().int().min(0).max(500).default(0),
});

/** Ray Tune's ASHA defaults: grace_period = 1, reduction_factor = 4. */
export const ashaPruningSchema = z.strictObject({
  strategy: z.literal('asha'),
  /** The first rung: epochs every run trains before it is judged. */
  gracePeriod: z.number().int().min(1).max(500).default(1),
  /** Rungs are gracePeriod × reductionFactor^k epochs; the top 1/reductionFactor at a rung go on. */
  reductionFactor: z.number().int().min(2).max(100).default(4),
});

export const pruningSchema = z.discriminatedUnion('strategy', [medianPruningSchema, ashaPruningSchema], {
  error: `must name a strategy: ${PRUNING_STRATEGIES.map((name) => `"${name}"`).join(' or ')}`,
});
export type PruningInput = z.input<typeof pruningSchema>;
export type Pruning = z.output<typeof pruningSchema>;

/** The figure pruning judges a λ by: the one the recommendation is made on. */
export const PRUNING_MONITOR = 'valAccuracy';

/** Why a run was pruned: what was compared at which epoch. */
export const pruneReasonSchema = z.object({
  strategy: z.enum(PRUNING_STRATEGIES),
  monitor: z.literal(PRUNING_MONITOR),
  /** The epoch the run was judged at. */
  epoch: z.number().int().min(1),
  /** ASHA: the rung's index (0 at gracePeriod epochs); null for the median rule. */
  rung: z.number().int().min(0).nullable(),
  /** The run's λ, judged on its mean over its seeds at this epoch (median: each run's best so far). */
  value: z.number(),
  /** Runs of the λ the value is a mean over. */
  seeds: z.number().int().min(1),
  /** Below this the λ is pruned: the median (ASHA: the 1 − 1/reductionFactor quantile) of the others. */
  threshold: z.number(),
  /** Other λ values the threshold was computed from. */
  compared: z.number().int().min(1),
});
export type PruneReason = z.infer<typeof pruneReasonSchema>;

/**
 * The engine's answer to a stored epoch, which the worker carries out: go on (saying whether this
 * epoch's weights are the run's best so far, kept when early stopping restores them), or stop — the
 * run stopped early (the worker finishes it: evaluation, predictions, model) or it was pruned (the
 * engine has ended it; the worker only stops).
 */
export type EpochVerdict =
  | { action: 'continue'; newBest: boolean }
  | { action: 'stop'; outcome: 'early-stopped'; stoppedEarly: StoppedEarly }
  | { action: 'stop'; outcome: 'pruned'; pruned: PruneReason };
