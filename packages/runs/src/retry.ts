import { setTimeout as sleep } from 'node:timers/promises';
import type { Log } from './log.ts';

export interface RetryPolicy {
  /** Whether an error is worth another try (an outage), or final (a bug, bad data). */
  isTransient(error: unknown): boolean;
  /** Give up once this much time has passed since the first failure. */
  giveUpAfterMs: number;
  /** The first wait; each later wait doubles, up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Runs `operation` until it succeeds, retrying transient failures with exponential backoff. The
 * operation must be idempotent: a try that failed may still have been applied.
 */
export async function withRetry<Value>(what: string, operation: () => Promise<Value>, policy: RetryPolicy, log: Log): Promise<Value> {
  let firstFailure: number | undefined;
  for (let delay = policy.initialDelayMs, attempt = 1; ; attempt++, delay = Math.min(delay * 2, policy.maxDelayMs)) {
    try {
      const value = await operation();
      if (firstFailure !== undefined) log.info({ what, attempt, outageMs: Date.now() - firstFailure }, 'recovered after retrying');
      return value;
    } catch (error) {
      firstFailure ??= Date.now();
      if (!policy.isTransient(error) || Date.now() - firstFailure + delay > policy.giveUpAfterMs) throw error;
      log.warn({ err: error, what, attempt, retryInMs: delay }, 'transient failure; retrying');
      await sleep(delay);
    }
  }
}
