// The engine's decisions as pure functions of what Postgres and the queue say: what a claim does,
// what a failed attempt leads to, how the reconciler mends the queue. Everything else in the engine
// only reads the inputs and carries the decision out.
import { FINISHED_STATUSES, type ExperimentStatus } from '@lab/contracts';
import type { RunPolicy } from './policy.ts';

/** A run as a claim sees it, read under a row lock, with the database's clock. */
export interface ClaimableRun {
  status: ExperimentStatus;
  /** Set while an attempt holds the run; cleared when an attempt ends with an outcome or hands back. */
  leaseToken: string | null;
  leaseExpiresAt: Date | null;
  failedAttempts: number;
  /** Why the last failed attempt failed, when it said so. */
  errorMessage: string | null;
}

export type ClaimDecision =
  | { action: 'claim'; /** The previous attempt ended without an outcome: its worker died. */ previousLost: boolean }
  /** Another attempt holds a live lease: try again once it would have expired. */
  | { action: 'wait'; until: Date }
  | { action: 'skip'; status: ExperimentStatus }
  | { action: 'give-up'; reason: string };

export function decideClaim(run: ClaimableRun, now: Date, policy: Pick<RunPolicy, 'maxFailedAttempts'>): ClaimDecision {
  if (FINISHED_STATUSES.includes(run.status)) return { action: 'skip', status: run.status };
  if (run.leaseToken !== null && run.leaseExpiresAt !== null && run.leaseExpiresAt > now) {
    return { action: 'wait', until: run.leaseExpiresAt };
  }
  const previousLost = run.leaseToken !== null;
  const failed = run.failedAttempts + (previousLost ? 1 : 0);
  if (failed >= policy.maxFailedAttempts) return { action: 'give-up', reason: givingUpReason(failed, previousLost, run.errorMessage) };
  return { action: 'claim', previousLost };
}

function givingUpReason(failed: number, lastLost: boolean, lastError: string | null): string {
  const last = lastLost
    ? 'the last one ended without a result: the worker process training it stopped (killed, out of memory, or crashed)'
    : `the last one failed with: ${lastError ?? 'an unknown error'}`;
  return `Gave up after ${failed} failed attempts; ${last}`;
}

export type FailureDecision = { action: 'retry'; delayMs: number } | { action: 'fail'; reason: string };

/**
 * After an attempt threw. `final` errors (bad input, a run that cannot fit) fail at once; others are
 * retried with backoff until the run has failed `maxFailedAttempts` times.
 */
export function decideAfterFailure(
  failure: { message: string; final: boolean },
  failedAttempts: number,
  policy: Pick<RunPolicy, 'maxFailedAttempts' | 'retryDelayMs'>,
): FailureDecision {
  if (failure.final) return { action: 'fail', reason: failure.message };
  if (failedAttempts >= policy.maxFailedAttempts) {
    return { action: 'fail', reason: `Gave up after ${failedAttempts} failed attempts; the last one failed with: ${failure.message}` };
  }
  return { action: 'retry', delayMs: policy.retryDelayMs(failedAttempts) };
}

/** BullMQ's job states, plus `unknown` for a job Redis does not have. */
export type QueueJobState = 'waiting' | 'active' | 'delayed' | 'prioritized' | 'waiting-children' | 'completed' | 'failed' | 'unknown';

export interface ReconcilableRun {
  status: ExperimentStatus;
  /** Some attempt holds an unexpired lease: its worker is alive and the run is its business. */
  leaseLive: boolean;
}

export type ReconcileAction =
  | { action: 'none' }
  /** Postgres wants a job and Redis has none (lost, never added): add it. */
  | { action: 'enqueue' }
  /** Redis holds a finished job for a run that still needs one: replace it. */
  | { action: 'replace' }
  /** BullMQ gave up on the job: the run fails with BullMQ's reason. */
  | { action: 'fail'; reason: string };

/**
 * What the queue must do so that it agrees with Postgres about an unfinished run. A run whose lease
 * is live is left alone whatever Redis says: its trainer will finish it, or the lease expires and a
 * later pass sees it again.
 */
export function decideReconcile(run: ReconcilableRun, job: QueueJobState, failedReason: string | null): ReconcileAction {
  if (FINISHED_STATUSES.includes(run.status) || run.leaseLive) return { action: 'none' };
  switch (job) {
    case 'unknown':
      return { action: 'enqueue' };
    case 'completed':
      return { action: 'replace' };
    case 'failed':
      return { action: 'fail', reason: `The training queue gave up on the run: ${failedReason ?? 'no reason given'}` };
    default:
      return { action: 'none' };
  }
}
