import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { FINISHED_STATUSES, trainJobPayloadSchema } from '@lab/contracts';
import type { LoadOptions } from '@lab/dataset';
import { isDatabaseUnavailable, type ExperimentRepository } from '@lab/db';
import type { TrainingCheckpoint } from '@lab/trainer';
import type { Logger } from './logger.ts';
import { withRetry, type RetryPolicy } from './retry.ts';
import { assertTrainable } from './training-feasibility.ts';
import type { BackendRequest } from './training-protocol.ts';
import { TrainingRun } from './training-run.ts';

export interface TrainingProcessorDeps {
  experiments: ExperimentRepository;
  backend: BackendRequest;
  dataset: LoadOptions;
  cancelPollMs: number;
  log: Logger;
  /** Runs in progress, so that shutdown can stop them at a batch boundary. */
  activeRuns: Set<TrainingRun>;
}

/**
 * Writes a run cannot do without ride out a Postgres restart: retried for up to two minutes, then the
 * attempt fails and BullMQ retries the job, which resumes from the last checkpoint. All are safe to repeat.
 */
const DATABASE_RETRY: RetryPolicy = { isTransient: isDatabaseUnavailable, giveUpAfterMs: 120_000, initialDelayMs: 250, maxDelayMs: 5_000 };

export type TrainingJobResult = { outcome: 'completed' | 'cancelled' | 'skipped'; epochs: number };

/**
 * Turns a job into a training run: resumes from the experiment's last checkpoint, stores every epoch
 * with its checkpoint before the next one starts, and ends in exactly one final state.
 */
export function createTrainingProcessor(deps: TrainingProcessorDeps) {
  const { experiments, log } = deps;

  return async function processTrainingJob(job: Job, token?: string): Promise<TrainingJobResult> {
    const payload = trainJobPayloadSchema.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`invalid job payload: ${payload.error.message}`);
    const { experimentId } = payload.data;
    const jobLog = log.child({ jobId: job.id, experimentId });

    const stored = await experiments.getSpec(experimentId);
    if (stored === null) throw new UnrecoverableError(`experiment ${experimentId} does not exist`);
    if (FINISHED_STATUSES.includes(stored.status)) {
      jobLog.info({ status: stored.status }, 'experiment already finished; nothing to train');
      return { outcome: 'skipped', epochs: stored.epochsDone };
    }
    try {
      assertTrainable(stored.spec);
    } catch (error) {
      await failIfLastAttempt(job, experimentId, error, deps);
      throw error;
    }

    const checkpoint = await experiments.loadCheckpoint(experimentId);
    const resumeFrom: TrainingCheckpoint | null =
      checkpoint === null
        ? null
        : {
            epoch: checkpoint.epoch,
            weights: { specs: checkpoint.weightSpecs as TrainingCheckpoint['weights']['specs'], data: checkpoint.weightData },
            optimizer: { specs: checkpoint.optimizerSpecs as TrainingCheckpoint['optimizer']['specs'], data: checkpoint.optimizerState },
          };
    jobLog.info({ resumeAfterEpoch: resumeFrom?.epoch ?? 0, attempt: job.attemptsMade + 1 }, 'training started');

    let cancelled = false;
    const run = new TrainingRun(
      { spec: stored.spec, resumeFrom, backend: deps.backend, dataset: deps.dataset },
      {
        onStarted: async ({ backend, dataset }) => {
          const info = {
            backend: backend.backend,
            tfjsVersion: backend.tfjsVersion,
            datasetSource: dataset.source,
            datasetVersion: dataset.version,
          };
          const claimed = await withRetry('claim the run', () => experiments.markRunning(experimentId, info), DATABASE_RETRY, jobLog);
          if (!claimed) {
            cancelled = true;
            run.stop();
          }
        },
        onEpoch: async (metrics, epochCheckpoint) => {
          const checkpointData = {
            epoch: epochCheckpoint.epoch,
            weightSpecs: epochCheckpoint.weights.specs,
            weightData: epochCheckpoint.weights.data,
            optimizerSpecs: epochCheckpoint.optimizer.specs,
            optimizerState: epochCheckpoint.optimizer.data,
          };
          await withRetry(`store epoch ${metrics.epoch}`, () => experiments.recordEpoch(experimentId, metrics, checkpointData), DATABASE_RETRY, jobLog);
          // Progress in Redis is informative only (Postgres has it): a Redis outage must not hold training up.
          job.updateProgress({ epoch: metrics.epoch, epochs: stored.spec.epochs }).catch((error: unknown) =>
            jobLog.warn({ err: error }, 'could not report progress to the queue'),
          );
          jobLog.info({ ...metrics }, 'epoch stored');
        },
      },
    );
    deps.activeRuns.add(run);
    const cancelWatch = setInterval(() => {
      experiments.getSpec(experimentId).then(
        (current) => {
          if (current?.status === 'cancelled') {
            cancelled = true;
            run.stop();
          }
        },
        (error: unknown) => jobLog.warn({ err: error }, 'cancellation check failed; will retry'),
      );
    }, deps.cancelPollMs);

    try {
      const outcome = await run.outcome;
      if (outcome.status === 'completed') {
        await withRetry('store the results', () => experiments.complete(experimentId, outcome), DATABASE_RETRY, jobLog);
        jobLog.info({ test: outcome.evaluation.test }, 'training completed');
        return { outcome: 'completed', epochs: stored.spec.epochs };
      }
      if (cancelled) {
        jobLog.info({ epochsDone: outcome.epochsDone }, 'training cancelled');
        return { outcome: 'cancelled', epochs: outcome.epochsDone };
      }
      // Stopped for shutdown: hand the job back; whoever takes it resumes from the last checkpoint.
      jobLog.info({ epochsDone: outcome.epochsDone }, 'training interrupted by shutdown; job handed back');
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    } catch (error) {
      if (!(error instanceof DelayedError)) await failIfLastAttempt(job, experimentId, error, deps);
      throw error;
    } finally {
      clearInterval(cancelWatch);
      deps.activeRuns.delete(run);
    }
  };
}

/** Retries cover crashes and outages; once none are left (or none can help), the failure is stored. */
async function failIfLastAttempt(job: Job, experimentId: string, error: unknown, deps: TrainingProcessorDeps): Promise<void> {
  const attempts = job.opts.attempts ?? 1;
  const unrecoverable = error instanceof UnrecoverableError;
  const message = error instanceof Error ? error.message : String(error);
  deps.log.error({ err: error, jobId: job.id, experimentId, attempt: job.attemptsMade + 1, attempts }, 'training attempt failed');
  if (unrecoverable || job.attemptsMade + 1 >= attempts) await deps.experiments.fail(experimentId, message);
}
