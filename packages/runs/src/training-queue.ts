import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { TRAIN_JOB_NAME, TRAINING_QUEUE, trainJobId, trainJobOptions, type TrainJobPayload } from '@lab/contracts';
import type { QueueJobState } from './decisions.ts';
import type { Log } from './log.ts';
import { withTimeout } from './timeout.ts';

/**
 * BullMQ waits for Redis indefinitely; the engine must not. A call that times out changes nothing
 * that matters: Postgres holds the run, and the reconciler adds what is missing once Redis answers.
 */
const QUEUE_TIMEOUT_MS = 2_000;

/** A run that wants a worker, and the tenant it belongs to (fair share orders by it). */
export interface QueuedRun {
  id: string;
  ownerId: string;
  /**
   * The run's place among its tenant's unfinished (queued or running) runs, oldest first, from 1.
   * It is the job's BullMQ priority, so workers take every tenant's first run, then every tenant's
   * second, and so on: a tenant's 100-run sweep delays another tenant's single run by about one run,
   * not by a hundred (docs/security.md has the measurement).
   */
  rank: number;
  /** The request that submitted the run, carried into its job's logs. */
  requestId?: string;
}

/** BullMQ's priorities run from 1 (first) to 2^21 - 1; 0 would mean "before every prioritized job". */
const LOWEST_PRIORITY = 2 ** 21 - 1;
const priorityOf = (rank: number): number => Math.min(LOWEST_PRIORITY, Math.max(1, Math.trunc(rank)));

/** Job counts by BullMQ's state names (waiting, prioritized, active, delayed, completed, failed, …). */
export type JobCounts = Record<string, number>;

/**
 * The BullMQ side of the engine: one job per run, under a deterministic id, so adding it twice (two
 * reconcilers, a retry after a timeout) is harmless. Only the run engine uses it.
 */
export class TrainingQueue {
  readonly queue: Queue<TrainJobPayload>;
  /** The queue's own connection; `ready` fires on every (re)connect. */
  readonly redis: Redis;

  constructor(options: { redisUrl: string; prefix: string; log: Log }) {
    // Queued commands fail after a few reconnect attempts instead of holding the caller forever.
    this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
    this.redis.on('error', (error) => options.log.debug({ err: error }, 'redis connection error'));
    this.queue = new Queue<TrainJobPayload>(TRAINING_QUEUE, { connection: this.redis, prefix: options.prefix });
    this.queue.on('error', (error) => options.log.debug({ err: error }, 'training queue error'));
  }

  async add(runs: readonly QueuedRun[]): Promise<void> {
    if (runs.length === 0) return;
    // Known to be away: fail now rather than after the timeout; the reconciler adds them on reconnect.
    if (this.redis.status !== 'ready') throw new Error(`redis is not connected (${this.redis.status})`);
    const jobs = runs.map((run) => ({
      name: TRAIN_JOB_NAME,
      data: { experimentId: run.id, ...(run.requestId === undefined ? {} : { requestId: run.requestId }) },
      opts: { ...trainJobOptions, jobId: trainJobId(run.id), priority: priorityOf(run.rank) },
    }));
    await withTimeout(this.queue.addBulk(jobs), QUEUE_TIMEOUT_MS, 'redis');
  }

  /** Removes a job no worker holds (a waiting, delayed or finished one); a held job is left to its worker. */
  async remove(runId: string): Promise<void> {
    await withTimeout(this.queue.remove(trainJobId(runId)), QUEUE_TIMEOUT_MS, 'redis');
  }

  /** Each run's job state, and BullMQ's reason for the failed ones. */
  async states(runIds: readonly string[]): Promise<Map<string, { state: QueueJobState; failedReason: string | null }>> {
    const states = await withTimeout(
      Promise.all(runIds.map((id) => this.queue.getJobState(trainJobId(id)))),
      QUEUE_TIMEOUT_MS,
      'redis',
    );
    const result = new Map<string, { state: QueueJobState; failedReason: string | null }>();
    await Promise.all(
      runIds.map(async (id, index) => {
        const state = (states[index] ?? 'unknown') as QueueJobState;
        const failedReason = state === 'failed' ? ((await this.queue.getJob(trainJobId(id)))?.failedReason ?? null) : null;
        result.set(id, { state, failedReason });
      }),
    );
    return result;
  }

  /** How many jobs are in each state (what the operator's `bullmq_job_count` gauge shows). */
  async jobCounts(): Promise<JobCounts> {
    return withTimeout(this.queue.getJobCounts(), QUEUE_TIMEOUT_MS, 'redis');
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.endConnectionAttempt();
    await this.queue.close();
    this.redis.disconnect();
  }

  /**
   * BullMQ waits for its connection's first `ready`; when the connection ends before that, it
   * re-emits the last connection error from an emitter whose listeners `queue.close()` removes, which
   * would surface as an unhandled rejection (Redis away, closed during a reconnect attempt). Ending the
   * attempt first lets that wait fail while its error is still listened to (and logged).
   */
  private async endConnectionAttempt(): Promise<void> {
    if (this.redis.status !== 'connecting' && this.redis.status !== 'connect') return;
    const settled = this.queue.waitUntilReady().then(
      () => undefined,
      () => undefined,
    );
    this.redis.disconnect();
    await withTimeout(settled, QUEUE_TIMEOUT_MS, 'redis').catch(() => undefined);
  }
}
