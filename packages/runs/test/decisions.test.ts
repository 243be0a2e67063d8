import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideAfterFailure, decideClaim, decideReconcile, DEFAULT_RUN_POLICY, type QueueJobState } from '../src/index.ts';

const now = new Date('2026-12-01T12:00:00Z');
const later = new Date(now.getTime() + 10_000);
const earlier = new Date(now.getTime() - 10_000);
const policy = { ...DEFAULT_RUN_POLICY, maxFailedAttempts: 3 };
const run = { status: 'queued' as const, leaseToken: null, leaseExpiresAt: null, failedAttempts: 0, errorMessage: null };

describe('decideClaim', () => {
  test('a queued run without a lease is claimed, nothing lost', () => {
    assert.deepEqual(decideClaim(run, now, policy), { action: 'claim', previousLost: false });
  });

  test('a finished run is skipped, whatever its lease says', () => {
    for (const status of ['completed', 'failed', 'cancelled'] as const) {
      assert.deepEqual(decideClaim({ ...run, status, leaseToken: 't', leaseExpiresAt: later }, now, policy), { action: 'skip', status });
    }
  });

  test('a live lease makes the claim wait until it would expire: never two trainers', () => {
    assert.deepEqual(decideClaim({ ...run, status: 'running', leaseToken: 't', leaseExpiresAt: later }, now, policy), {
      action: 'wait',
      until: later,
    });
  });

  test('an expired lease that was never released is a lost attempt: counted, then claimed', () => {
    const lapsed = { ...run, status: 'running' as const, leaseToken: 't', leaseExpiresAt: earlier };
    assert.deepEqual(decideClaim(lapsed, now, policy), { action: 'claim', previousLost: true });
    const lastChance = decideClaim({ ...lapsed, failedAttempts: 2 }, now, policy);
    assert.equal(lastChance.action, 'give-up');
    assert.match(lastChance.action === 'give-up' ? lastChance.reason : '', /after 3 failed attempts.*worker process .*stopped/);
  });

  test('a run that failed too often is given up with the last error in the reason', () => {
    const decision = decideClaim({ ...run, status: 'running', failedAttempts: 3, errorMessage: 'out of memory' }, now, policy);
    assert.deepEqual(decision, { action: 'give-up', reason: 'Gave up after 3 failed attempts; the last one failed with: out of memory' });
  });
});

describe('decideAfterFailure', () => {
  test('retries with a growing delay until the bound, then fails naming the count and the error', () => {
    const first = decideAfterFailure({ message: 'boom', final: false }, 1, policy);
    const second = decideAfterFailure({ message: 'boom', final: false }, 2, policy);
    assert.equal(first.action, 'retry');
    assert.equal(second.action, 'retry');
    assert.ok(first.action === 'retry' && second.action === 'retry' && second.delayMs > first.delayMs);
    assert.deepEqual(decideAfterFailure({ message: 'boom', final: false }, 3, policy), {
      action: 'fail',
      reason: 'Gave up after 3 failed attempts; the last one failed with: boom',
    });
  });

  test('a final error (bad input, a run that cannot fit) fails at once with its own message', () => {
    assert.deepEqual(decideAfterFailure({ message: 'needs 24 GiB', final: true }, 1, policy), { action: 'fail', reason: 'needs 24 GiB' });
  });

  test('the default delays are bounded', () => {
    assert.equal(DEFAULT_RUN_POLICY.retryDelayMs(1), 2_000);
    assert.equal(DEFAULT_RUN_POLICY.retryDelayMs(30), 60_000);
  });
});

describe('decideReconcile', () => {
  const unheld = { status: 'queued' as const, leaseLive: false };

  test('a run that wants a job and has none gets one; one whose job finished gets a new one', () => {
    assert.deepEqual(decideReconcile(unheld, 'unknown', null), { action: 'enqueue' });
    assert.deepEqual(decideReconcile({ status: 'running', leaseLive: false }, 'unknown', null), { action: 'enqueue' });
    assert.deepEqual(decideReconcile(unheld, 'completed', null), { action: 'replace' });
  });

  test('a job BullMQ gave up on fails its run with the reason', () => {
    assert.deepEqual(decideReconcile(unheld, 'failed', 'job stalled more than allowable limit'), {
      action: 'fail',
      reason: 'The training queue gave up on the run: job stalled more than allowable limit',
    });
  });

  test('a job in flight is left alone, and so is any run a live attempt holds or that has finished', () => {
    for (const state of ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as QueueJobState[]) {
      assert.deepEqual(decideReconcile(unheld, state, null), { action: 'none' });
    }
    for (const state of ['unknown', 'completed', 'failed'] as QueueJobState[]) {
      assert.deepEqual(decideReconcile({ status: 'running', leaseLive: true }, state, null), { action: 'none' });
      assert.deepEqual(decideReconcile({ status: 'cancelled', leaseLive: false }, state, null), { action: 'none' });
    }
  });
});
