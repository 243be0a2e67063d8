import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { UNFINISHED_STATUSES, type ExperimentSpec, type ExperimentStatus, type ResolvedExperimentSpec, type RunEvent, type SweepRequest } from '@lab/contracts';
import { boundedMessage, type Db, type PrismaClient } from '@lab/db';
import { Attempt } from './attempt.ts';
import { deleteExpiredCheckpoints } from './checkpoint-retention.ts';
import { decideClaim } from './decisions.ts';
import type { Log } from './log.ts';
import { DEFAULT_RUN_POLICY, type RunPolicy } from './policy.ts';
import { readResumePoint } from './resume-point.ts';
import { resumeRun, type ResumeOutcome } from './resume.ts';
import { transactionWithEvents, type Commit } from './run-events.ts';
import { changeRun, lockRun, NO_LEASE, type LockedRun, type Tx } from './run-rows.ts';
import { DEFAULT_SUBMISSION_LIMITS, storeExperiment, storeSweep, type SubmissionInput, type SubmissionLimits, type Submitted } from './submission.ts';
import type { QueuedRun, TrainingQueue } from './training-queue.ts';

export type ClaimResult =
  | { outcome: 'claimed'; attempt: Attempt }
  /** Another attempt holds a live lease; ask again at `until`. */
  | { outcome: 'wait'; until: Date }
  | { outcome: 'finished'; status: ExperimentStatus }
  | { outcome: 'gave-up'; reason: string }
  /** The worker's vetting refused the run (it cannot be trained at all): it is failed, never claimed. */
  | { outcome: 'rejected'; reason: string }
  | { outcome: 'not-found' };

export type CancelOutcome = { outcome: 'cancelled' } | { outcome: 'already-finished'; status: ExperimentStatus } | { outcome: 'not-found' };

export interface RunEngineDeps {
  /** Postgres: Prisma, and the pool under it for the writes that bypass Prisma (checkpoints). */
  db: Pick<Db, 'prisma' | 'pool'>;
  queue: TrainingQueue;
  log: Log;
  policy?: Partial<RunPolicy>;
  limits?: Partial<SubmissionLimits>;
}

/**
 * The only code that changes a run's state or touches the training queue. Postgres is the record:
 * every change commits there first (and publishes its lifecycle event in the same transaction); the
 * queue is derived from it, best effort here and made whole by the Reconciler. Routes and the
 * BullMQ processor are thin adapters over these methods.
 */
export class RunEngine extends EventEmitter<{ committed: [RunEvent] }> {
  readonly policy: RunPolicy;
  readonly limits: SubmissionLimits;
  private readonly prisma: PrismaClient;
  private readonly pool: Db['pool'];
  private readonly queue: TrainingQueue;
  private readonly log: Log;

  constructor(deps: RunEngineDeps) {
    super();
    this.prisma = deps.db.prisma;
    this.pool = deps.db.pool;
    this.queue = deps.queue;
    this.log = deps.log;
    this.policy = { ...DEFAULT_RUN_POLICY, ...deps.policy };
    this.limits = { ...DEFAULT_SUBMISSION_LIMITS, ...deps.limits };
  }

  /**
   * Runs a change in a transaction; once committed, its events are emitted here as `committed` before
   * Postgres delivers them to listeners: this process's readers see its own writes at once. Attempts
   * write through it too.
   */
  private readonly commit: Commit = async (work, options) => {
    const { result, events } = await transactionWithEvents(this.prisma, work, options);
    for (const event of events) this.emit('committed', event);
    return result;
  };

  /** Stores a queued experiment; answers as soon as Postgres has it, whether or not Redis does. */
  async submitExperiment(input: SubmissionInput & { spec: ExperimentSpec }): Promise<Submitted> {
    const submitted = await this.commit((tx) => storeExperiment(tx, input, this.limits));
    await this.dispatch(submitted.created);
    return submitted;
  }

  /** Stores a sweep with all its runs, queued; answers as soon as Postgres has them. */
  async submitSweep(input: SubmissionInput & { request: SweepRequest }): Promise<Submitted> {
    const submitted = await this.commit((tx) => storeSweep(tx, input, this.limits));
    await this.dispatch(submitted.created);
    return submitted;
  }

  /**
   * Adds the runs' jobs, best effort: when Redis is away or slow the runs stay queued in Postgres and
   * the reconciler adds their jobs once it answers.
   */
  async dispatch(runs: readonly QueuedRun[]): Promise<void> {
    try {
      await this.queue.add(runs);
    } catch (error) {
      this.log.warn({ err: error, runs: runs.length }, 'could not queue the runs now; the reconciler will');
    }
  }

  /**
   * Cancels a queued or running experiment. A waiting job is removed; a worker training the run is
   * told by the status event and stops within a batch. Cancelling twice is harmless.
   */
  async cancelExperiment(ownerId: string, id: string): Promise<CancelOutcome> {
    const outcome = await this.commit(async (tx): Promise<CancelOutcome> => {
      const run = await lockRun(tx, id, ownerId);
      if (run === null) return { outcome: 'not-found' };
      if (run.status === 'cancelled') return { outcome: 'cancelled' };
      if (!isUnfinished(run.status)) return { outcome: 'already-finished', status: run.status };
      await cancel(tx, run);
      return { outcome: 'cancelled' };
    });
    if (outcome.outcome === 'cancelled') await this.removeJobs([id]);
    return outcome;
  }

  /** Cancels every unfinished run of a sweep in one transaction; null when the sweep does not exist. */
  async cancelSweep(ownerId: string, sweepId: string): Promise<{ cancelled: number } | null> {
    const cancelled = await this.commit(async (tx) => {
      const sweep = await tx.sweep.findFirst({ where: { id: sweepId, ownerId }, select: { id: true } });
      if (sweep === null) return null;
      // Every run's row is locked before the sweep's (as every other change does: run, then sweep), so a
      // worker storing an epoch of one of these runs meanwhile waits or goes first, never deadlocks.
      const runs = await tx.$queryRaw<{ id: string }[]>`
        SELECT "id" FROM "experiments"
        WHERE "sweep_id" = ${sweepId}::uuid AND "status" IN ('queued', 'running')
        ORDER BY "id" FOR UPDATE`;
      const ids: string[] = [];
      for (const { id } of runs) {
        const run = await lockRun(tx, id, ownerId);
        if (run === null || !isUnfinished(run.status)) continue;
        await cancel(tx, run);
        ids.push(id);
      }
      return ids;
    });
    if (cancelled === null) return null;
    await this.removeJobs(cancelled);
    return { cancelled: cancelled.length };
  }

  /**
   * A worker asks for the run behind a job. Claims it (a fresh lease, one more attempt) unless it has
   * finished, another attempt holds a live lease, or it has failed too often (then it is failed).
   * `vet` says why a spec can never be trained (e.g. it cannot fit in memory); such a run fails at once.
   */
  async claim(id: string, holder: string, vet: (spec: ResolvedExperimentSpec) => string | null = () => null): Promise<ClaimResult> {
    const token = randomUUID();
    await this.expireCheckpoints();
    const claimed = await this.commit(async (tx) => {
      const run = await lockRun(tx, id);
      if (run === null) return { outcome: 'not-found' } as const;
      const decision = decideClaim(run, run.now, this.policy);
      const refusal = decision.action === 'claim' ? vet(run.spec) : null;
      if (refusal !== null) {
        await changeRun(tx, run, { status: 'failed', finishedAt: run.now, errorMessage: boundedMessage(refusal), ...NO_LEASE });
        return { outcome: 'rejected', reason: refusal } as const;
      }
      switch (decision.action) {
        case 'skip':
          return { outcome: 'finished', status: decision.status } as const;
        case 'wait':
          return { outcome: 'wait', until: decision.until } as const;
        case 'give-up':
          await changeRun(tx, run, {
            status: 'failed',
            finishedAt: run.now,
            errorMessage: boundedMessage(decision.reason),
            failedAttempts: run.failedAttempts + 1,
            ...NO_LEASE,
          });
          return { outcome: 'gave-up', reason: decision.reason } as const;
        case 'claim': {
          const claimedRun = await changeRun(tx, run, {
            status: 'running',
            attempts: run.attempts + 1,
            failedAttempts: run.failedAttempts + (decision.previousLost ? 1 : 0),
            leaseToken: token,
            leaseHolder: holder,
            leaseExpiresAt: new Date(run.now.getTime() + this.policy.leaseMs),
            ...(run.status === 'queued' ? { startedAt: run.now } : {}),
          });
          return { outcome: 'claimed', run: claimedRun, ...(await readResumePoint(tx, id)) } as const;
        }
      }
    });
    if (claimed.outcome !== 'claimed') return claimed;
    return { outcome: 'claimed', attempt: new Attempt({ prisma: this.prisma, commit: this.commit, pool: this.pool, policy: this.policy, log: this.log }, token, claimed) };
  }

  /**
   * Fails an unfinished run that no attempt holds, with a readable reason (BullMQ gave up on its job).
   * A run whose lease is live is left to its attempt. True when the run was failed.
   */
  async failUnheld(id: string, reason: string): Promise<boolean> {
    return this.commit(async (tx) => {
      const run = await lockRun(tx, id);
      if (run === null || !isUnfinished(run.status)) return false;
      if (run.leaseToken !== null && run.leaseExpiresAt !== null && run.leaseExpiresAt > run.now) return false;
      await changeRun(tx, run, { status: 'failed', finishedAt: run.now, errorMessage: boundedMessage(reason), ...NO_LEASE });
      return true;
    });
  }

  /**
   * Continues a completed, cancelled or pruned run to `epochs` in all, from its last checkpoint (see
   * resume.ts). The run is queued in Postgres first; its old job (finished in BullMQ under the same
   * deterministic id) is replaced, best effort, and the reconciler replaces it otherwise.
   */
  async resumeExperiment(ownerId: string, id: string, epochs: number): Promise<ResumeOutcome> {
    const outcome = await this.commit((tx) => resumeRun(tx, ownerId, id, epochs, this.limits.maxActiveRunsPerTenant));
    if (outcome.outcome === 'resumed') {
      await this.removeJobs([id]);
      await this.dispatch([{ id, ownerId, rank: outcome.rank }]);
    }
    return outcome;
  }

  /** Best effort: a failure here must not keep a worker from claiming. */
  private async expireCheckpoints(): Promise<void> {
    try {
      const deleted = await deleteExpiredCheckpoints(this.prisma, this.policy.checkpointRetentionMs);
      if (deleted > 0) this.log.info({ deleted, retentionMs: this.policy.checkpointRetentionMs }, 'deleted expired checkpoints of finished runs');
    } catch (error) {
      this.log.warn({ err: error }, 'could not delete expired checkpoints; a later claim will');
    }
  }

  private async removeJobs(ids: readonly string[]): Promise<void> {
    // A job left behind is harmless: its claim finds the run finished.
    await Promise.all(ids.map((id) => this.queue.remove(id))).catch((error: unknown) =>
      this.log.warn({ err: error }, 'could not remove the cancelled runs\' jobs'),
    );
  }
}

const isUnfinished = (status: ExperimentStatus): boolean => (UNFINISHED_STATUSES as readonly ExperimentStatus[]).includes(status);

/** Cancels a locked unfinished run. Its checkpoint stays, so that it can be resumed. */
async function cancel(tx: Tx, run: LockedRun): Promise<void> {
  await changeRun(tx, run, { status: 'cancelled', finishedAt: run.now, ...NO_LEASE });
}
