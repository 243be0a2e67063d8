// Seed-aware pruning of a sweep's runs, as pure functions of what is stored. The unit judged is a λ,
// not a run: a λ's value at an epoch is the mean over its seeds' runs that have reached that epoch, so
// one unlucky seed does not end a good λ, and the seeds of a bad λ stop on their common evidence.
import { PRUNING_MONITOR, type ExperimentStatus, type Pruning, type PruneReason } from '@lab/contracts';

/** One run of the sweep as pruning sees it: its λ, its status and its monitored value per stored epoch. */
export interface PrunableRun {
  id: string;
  lambda: number;
  status: ExperimentStatus;
  /** Validation accuracy by epoch, for the epochs stored so far. */
  values: ReadonlyMap<number, number>;
}

export interface PruningInput {
  pruning: Pruning;
  /** The run whose epoch was just stored. */
  run: { id: string; lambda: number };
  epoch: number;
  /** The run's epoch budget (ASHA's max_t: no rung at or beyond it). */
  budget: number;
  /** Every run of the sweep, the judged one included. */
  runs: readonly PrunableRun[];
}

export type PruningDecision =
  | {
      action: 'continue';
      why: 'last epoch' | 'startup' | 'warmup' | 'not a rung' | 'nothing to compare with' | 'at or above the threshold';
    }
  | { action: 'prune'; reason: PruneReason };

const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

/** numpy's default (linear) percentile, q in [0, 100], of a non-empty list. */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (q / 100) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/**
 * The best value a run reached up to `epoch` (validation accuracy: the highest; NaNs ignored unless all
 * are NaN, as numpy's nanmax); undefined before the run reached `epoch`.
 */
function bestUpTo(run: PrunableRun, epoch: number): number | undefined {
  if (!run.values.has(epoch)) return undefined;
  let best = Number.NaN;
  for (const [at, value] of run.values) if (at <= epoch && (Number.isNaN(best) || value > best)) best = value;
  return best;
}

/**
 * Each λ's mean of `valueOf` over its runs that have a value, for the λ values (other than the judged
 * one) whose runs pass `counts`; λ values without any such run are left out.
 */
function otherLambdas(input: PruningInput, counts: (run: PrunableRun) => boolean, valueOf: (run: PrunableRun) => number | undefined): number[] {
  const byLambda = new Map<number, number[]>();
  for (const run of input.runs) {
    if (run.lambda === input.run.lambda || !counts(run)) continue;
    const value = valueOf(run);
    if (value === undefined) continue;
    byLambda.set(run.lambda, [...(byLambda.get(run.lambda) ?? []), value]);
  }
  return [...byLambda.values()].map(mean);
}

/** The judged λ's mean of `valueOf` over its runs that reached the epoch (the judged run among them). */
function ownLambda(input: PruningInput, valueOf: (run: PrunableRun) => number | undefined): { value: number; seeds: number } {
  const values = input.runs.filter((run) => run.lambda === input.run.lambda).flatMap((run) => {
    const value = valueOf(run);
    return value === undefined ? [] : [value];
  });
  return { value: mean(values), seeds: values.length };
}

/**
 * Optuna's MedianPruner, per λ: once `startupRuns` runs of the sweep have completed and after
 * `warmupEpochs` epochs, a run is pruned when its λ's best-so-far validation accuracy (the mean over
 * its seeds of each run's best up to this epoch) is below the median, at this epoch, of the other λ
 * values' completed runs (each λ the mean over its completed runs). Only completed runs set the bar,
 * as only completed trials do in Optuna; a NaN value is pruned, as there.
 */
function decideMedian(input: PruningInput, config: Extract<Pruning, { strategy: 'median' }>): PruningDecision {
  const completed = input.runs.filter((run) => run.status === 'completed' && run.id !== input.run.id).length;
  if (completed < config.startupRuns) return { action: 'continue', why: 'startup' };
  if (input.epoch <= config.warmupEpochs) return { action: 'continue', why: 'warmup' };
  const others = otherLambdas(input, (run) => run.status === 'completed', (run) => run.values.get(input.epoch));
  if (others.length === 0) return { action: 'continue', why: 'nothing to compare with' };
  const own = ownLambda(input, (run) => bestUpTo(run, input.epoch));
  const threshold = percentile(others, 50);
  if (own.value >= threshold) return { action: 'continue', why: 'at or above the threshold' };
  return { action: 'prune', reason: { strategy: 'median', monitor: PRUNING_MONITOR, epoch: input.epoch, rung: null, ...own, threshold, compared: others.length } };
}

/** ASHA's rungs below the budget: gracePeriod × reductionFactor^k epochs (Ray Tune's milestones). */
export function ashaRungs(config: Extract<Pruning, { strategy: 'asha' }>, budget: number): number[] {
  const rungs: number[] = [];
  for (let milestone = config.gracePeriod; milestone < budget; milestone *= config.reductionFactor) rungs.push(milestone);
  return rungs;
}

/**
 * Ray Tune's ASHA (one bracket), per λ: at each rung, a run is pruned when its λ's validation accuracy
 * there (the mean over its seeds that reached the rung) is below the 1 − 1/reductionFactor quantile of
 * the other λ values' means at that rung, over every run that reached it (stopped ones too: ASHA's
 * rung records keep them). The first λ at a rung always goes on. No rung at the budget's last epoch:
 * pruning a run there would save nothing.
 */
function decideAsha(input: PruningInput, config: Extract<Pruning, { strategy: 'asha' }>): PruningDecision {
  const rung = ashaRungs(config, input.budget).indexOf(input.epoch);
  if (rung === -1) return { action: 'continue', why: 'not a rung' };
  const at = (run: PrunableRun) => run.values.get(input.epoch);
  const others = otherLambdas(input, () => true, at);
  if (others.length === 0) return { action: 'continue', why: 'nothing to compare with' };
  const own = ownLambda(input, at);
  const threshold = percentile(others, (1 - 1 / config.reductionFactor) * 100);
  if (own.value >= threshold) return { action: 'continue', why: 'at or above the threshold' };
  return { action: 'prune', reason: { strategy: 'asha', monitor: PRUNING_MONITOR, epoch: input.epoch, rung, ...own, threshold, compared: others.length } };
}

/**
 * Whether the run whose epoch was just stored goes on, by its sweep's pruning rule. A run that has
 * reached its budget is never pruned, by either rule: that would save nothing, only drop its results.
 */
export function decidePruning(input: PruningInput): PruningDecision {
  if (input.epoch >= input.budget) return { action: 'continue', why: 'last epoch' };
  return input.pruning.strategy === 'median' ? decideMedian(input, input.pruning) : decideAsha(input, input.pruning);
}
