// The run engine: the only package that changes a run's state or touches the training queue.
export { Attempt, LeaseLostError, type CompletedRun, type RunInfo } from './attempt.ts';
export { decideAfterFailure, decideClaim, decideReconcile, type ClaimDecision, type FailureDecision, type QueueJobState, type ReconcileAction } from './decisions.ts';
export { RunEngine, type CancelOutcome, type ClaimResult, type RunEngineDeps } from './engine.ts';
export { decideEarlyStopping, type EarlyStoppingDecision, type MonitoredEpoch } from './early-stopping.ts';
export { ashaRungs, decidePruning, percentile, type PrunableRun, type PruningDecision, type PruningInput } from './pruning.ts';
export type { ResumeOutcome } from './resume.ts';
export type { Log } from './log.ts';
export { DEFAULT_RUN_POLICY, type RunPolicy } from './policy.ts';
export { Reconciler, type ReconcileReport } from './reconciler.ts';
export { RunEventListener } from './run-events.ts';
export {
  DEFAULT_SUBMISSION_LIMITS,
  IDEMPOTENCY_TTL_MS,
  IdempotencyKeyReusedError,
  RunCapExceededError,
  type IdempotencyInput,
  type SubmissionInput,
  type SubmissionLimits,
  type Submitted,
} from './submission.ts';
export { withTimeout, TimeoutError } from './timeout.ts';
export { TrainingQueue, type JobCounts, type QueuedRun } from './training-queue.ts';
