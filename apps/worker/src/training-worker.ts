import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import { FINISHED_STATUSES, TRAINING_QUEUE, trainJobId } from '@lab/contracts';
import type { LoadOptions } from '@lab/dataset';
import type { Db } from '@lab/db';
import { Reconciler, RunEngine, RunEventListener, TrainingQueue } from '@lab/runs';
import type { WorkerConfig } from './config.ts';
import type { Logger } from './logger.ts';
import { WorkerMetrics } from './metrics.ts';
import { createTrainingProcessor } from './process-training-job.ts';
import type { TrainingRun } from './training-run.ts';
import type { TrainingThreadInfo } from './training-protocol.ts';
import { TrainingThreads } from './training-threads.ts';

export interface TrainingWorker {
  readonly worker: Worker;
  readonly engine: RunEngine;
  readonly reconciler: Reconciler;
  /** Its epochs' durations and its runs' outcomes (what main.ts serves on the metrics port). */
  readonly metrics: WorkerMetrics;
  /**
   * Resolves once its training threads are set up, with what they train with: it takes jobs from
   * then on. Rejects when they cannot be (TFJS_BACKEND names a backend that is not installed, say),
   * and then takes none.
   */
  readonly ready: Promise<TrainingThreadInfo>;
  /** Stops every run at its next batch boundary, hands the runs back and closes. Safe to call twice. */
  close(): Promise<void>;
  /** Exits at once, leaving running runs to be taken over once their leases expire (a second signal). */
  forceClose(): Promise<void>;
}

/**
 * How many times BullMQ may find a job stalled (its worker died) before failing it. The engine's own
 * bound (RUN_MAX_FAILED_ATTEMPTS, counted in Postgres) is the one meant to apply; this one only
 * catches a job that keeps stalling without ever reaching a claim.
 */
const MAX_STALLED_COUNT = 50;

/** How a worker process names itself in the leases it holds (what an operator sees holding a run). */
export const leaseHolderName = (pid: number = process.pid): string => `${hostname()}:${pid}`;

/**
 * A worker process's part of the system: the BullMQ worker that trains runs (in threads kept between runs),
 * the run engine it reports to, the reconciler (every process runs one), and the run-event listener
 * through which a cancellation reaches a run being trained here: Postgres NOTIFY → BullMQ's job
 * cancellation → the processor's AbortSignal → the run stops within a batch.
 */
export function createTrainingWorker(
  config: WorkerConfig,
  deps: { db: Db; dataset: LoadOptions; log: Logger },
): TrainingWorker {
  const { log } = deps;
  const activeRuns = new Set<TrainingRun>();
  const metrics = new WorkerMetrics();
  const queue = new TrainingQueue({ redisUrl: config.redisUrl, prefix: config.queuePrefix, log });
  const engine = new RunEngine({
    db: deps.db,
    queue,
    log,
    policy: { leaseMs: config.jobLockMs, maxFailedAttempts: config.maxFailedAttempts, checkpointRetentionMs: config.checkpointRetentionMs },
  });
  const reconciler = new Reconciler({ prisma: deps.db.prisma, queue, engine, log, intervalMs: config.reconcileIntervalMs });
  const runEvents = new RunEventListener(config.databaseUrl, log);
  const threads = new TrainingThreads({ backend: config.backend, dataset: deps.dataset }, () => metrics.threadStarted());
  // Set up before the first job is taken: a sweep's first runs train at full speed from their first step.
  const ready = threads.prepare(config.concurrency);
  const processor = createTrainingProcessor({
    engine,
    holder: leaseHolderName(),
    threads,
    log,
    activeRuns,
    metrics,
  });
  const worker = new Worker(TRAINING_QUEUE, processor, {
    connection: { url: config.redisUrl, maxRetriesPerRequest: null },
    prefix: config.queuePrefix,
    concurrency: config.concurrency,
    lockDuration: config.jobLockMs,
    stalledInterval: Math.max(1_000, Math.floor(config.jobLockMs / 2)),
    maxStalledCount: MAX_STALLED_COUNT,
    autorun: false,
  });
  void ready.then(
    () => worker.run().catch((error: unknown) => worker.emit('error', error as Error)),
    (error: unknown) => log.error({ err: error }, 'training threads could not be set up: no job is taken'),
  );
  worker.on('error', (error) => log.error({ err: error }, 'worker error'));
  worker.on('failed', (job, error) => {
    log.warn({ jobId: job?.id, err: error }, 'job failed');
    const experimentId = (job?.data as { experimentId?: unknown } | undefined)?.experimentId;
    if (typeof experimentId !== 'string') return;
    // BullMQ gave up on the job (e.g. it stalled too often): the run must not stay unfinished.
    engine
      .failUnheld(experimentId, `The training queue gave up on the run: ${error.message}`)
      .catch((failure: unknown) => log.warn({ err: failure, experimentId }, 'could not record the failed job; the reconciler will'));
  });
  runEvents.on('event', (event) => {
    if (event.type === 'status' && FINISHED_STATUSES.includes(event.status)) {
      worker.cancelJob(trainJobId(event.experimentId), `the run is ${event.status}`);
    }
  });
  reconciler.start();

  let closing: Promise<void> | null = null;
  const closeRest = async () => {
    await threads.close();
    await reconciler.close();
    await runEvents.close();
    await queue.close();
  };
  return {
    worker,
    engine,
    reconciler,
    metrics,
    ready,
    close: () => {
      closing ??= (async () => {
        for (const run of activeRuns) run.stop();
        await worker.close();
        await closeRest();
      })();
      return closing;
    },
    forceClose: async () => {
      await worker.close(true);
      await closeRest();
    },
  };
}
