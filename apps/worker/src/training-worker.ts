import { Worker } from 'bullmq';
import { TRAINING_QUEUE } from '@lab/contracts';
import type { LoadOptions } from '@lab/dataset';
import type { ExperimentRepository } from '@lab/db';
import type { WorkerConfig } from './config.ts';
import type { Logger } from './logger.ts';
import { createTrainingProcessor } from './process-training-job.ts';
import type { TrainingRun } from './training-run.ts';

export interface TrainingWorker {
  readonly worker: Worker;
  /** Stops every run at its next batch boundary, hands the jobs back and closes. Safe to call twice. */
  close(): Promise<void>;
  /** Exits at once, leaving running jobs to stalled-job recovery (a second signal). */
  forceClose(): Promise<void>;
}

/** How many times a job may be found stalled (its worker died) before BullMQ gives up on it. */
const MAX_STALLED_COUNT = 10;

export function createTrainingWorker(
  config: WorkerConfig,
  deps: { experiments: ExperimentRepository; dataset: LoadOptions; log: Logger },
): TrainingWorker {
  const activeRuns = new Set<TrainingRun>();
  let closing: Promise<void> | null = null;
  const processor = createTrainingProcessor({
    experiments: deps.experiments,
    backend: config.backend,
    dataset: deps.dataset,
    cancelPollMs: config.cancelPollMs,
    log: deps.log,
    activeRuns,
  });
  const worker = new Worker(TRAINING_QUEUE, processor, {
    connection: { url: config.redisUrl, maxRetriesPerRequest: null },
    prefix: config.queuePrefix,
    concurrency: config.concurrency,
    lockDuration: config.jobLockMs,
    stalledInterval: Math.max(1_000, Math.floor(config.jobLockMs / 2)),
    maxStalledCount: MAX_STALLED_COUNT,
  });
  worker.on('error', (error) => deps.log.error({ err: error }, 'worker error'));
  worker.on('failed', (job, error) => deps.log.warn({ jobId: job?.id, err: error }, 'job attempt failed'));

  return {
    worker,
    close: () => {
      closing ??= (async () => {
        for (const run of activeRuns) run.stop();
        await worker.close();
      })();
      return closing;
    },
    forceClose: () => worker.close(true),
  };
}
