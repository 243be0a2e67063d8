import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { trainJobPayloadSchema, type EpochVerdict } from '@lab/contracts';
import type { Attempt, RunEngine } from '@lab/runs';
import type { Logger } from './logger.ts';
import type { WorkerMetrics } from './metrics.ts';
import { trainingInfeasibility } from './training-feasibility.ts';
import { TrainingRun } from './training-run.ts';
import type { TrainingThreads } from './training-threads.ts';

export interface TrainingProcessorDeps {
  engine: RunEngine;
  /** Names this worker process in a run's lease (what an operator sees holding a run). */
  holder: string;
  /** The process's training threads, which runs take in turn. */
  threads: TrainingThreads;
  log: Logger;
  /** Runs in progress, so that shutdown can stop them at a batch boundary. */
  activeRuns: Set<TrainingRun>;
  metrics: WorkerMetrics;
}

export type TrainingJobResult = { outcome: 'completed' | 'stopped' | 'pruned' | 'skipped'; epochs: number };

/**
 * A job that could not be processed for a reason outside the run (Postgres away while claiming or
 * recording a failure) goes back to the queue for this long. It never fails the job: the run's fate
 * is the engine's decision, which needs Postgres.
 */
const RETRY_LATER_MS = 5_000;

/**
 * A job is a run that wants a worker: claim it from the run engine, train it in a thread (resuming
 * from its checkpoint), and report each epoch and the end back to the engine, which decides
 * everything else (retry or fail, fencing, cancellation). `signal` is BullMQ's cancellation, which
 * this process triggers when it hears that the run was cancelled.
 */
export function createTrainingProcessor(deps: TrainingProcessorDeps) {
  const { engine, log } = deps;

  return async function processTrainingJob(job: Job, token?: string, signal?: AbortSignal): Promise<TrainingJobResult> {
    const payload = trainJobPayloadSchema.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`invalid job payload: ${payload.error.message}`);
    const { experimentId, requestId } = payload.data;
    // The submitting request's id ties these lines to the API's (a job the reconciler re-created has none).
    const jobLog = log.child({ jobId: job.id, experimentId, ...(requestId === undefined ? {} : { requestId }) });
    /** Hands the job back to the queue until `at`: a BullMQ retry that does not count as a failure. */
    const postpone = async (at: number): Promise<never> => {
      await job.moveToDelayed(at, token);
      throw new DelayedError();
    };

    try {
      return await claimAndTrain(experimentId, jobLog, signal, postpone);
    } catch (error) {
      if (error instanceof DelayedError || error instanceof UnrecoverableError) throw error;
      jobLog.warn({ err: error }, 'could not process the job now; it goes back to the queue');
      return postpone(Date.now() + RETRY_LATER_MS);
    }
  };

  async function claimAndTrain(
    experimentId: string,
    jobLog: Logger,
    signal: AbortSignal | undefined,
    postpone: (at: number) => Promise<never>,
  ): Promise<TrainingJobResult> {
    const claim = await engine.claim(experimentId, deps.holder, trainingInfeasibility);
    switch (claim.outcome) {
      case 'not-found':
        throw new UnrecoverableError(`experiment ${experimentId} does not exist`);
      case 'finished':
        jobLog.info({ status: claim.status }, 'experiment already finished; nothing to train');
        return { outcome: 'skipped', epochs: 0 };
      case 'gave-up':
        jobLog.error({ reason: claim.reason }, 'run failed: too many failed attempts');
        deps.metrics.runFinished('failed');
        return { outcome: 'skipped', epochs: 0 };
      case 'rejected':
        // Fails the job too, so that the queue shows it failed, once, with the reason.
        deps.metrics.runFinished('failed');
        throw new UnrecoverableError(claim.reason);
      case 'wait':
        jobLog.info({ until: claim.until }, 'another attempt holds the run; trying again when its lease would expire');
        return postpone(claim.until.getTime() + 100);
      case 'claimed':
        break;
    }
    const { attempt } = claim;
    jobLog.info({ resumeAfterEpoch: attempt.checkpoint?.epoch ?? 0, attempt: attempt.number }, 'training started');
    return train(attempt, jobLog, signal, postpone);
  }

  async function train(
    attempt: Attempt,
    jobLog: Logger,
    signal: AbortSignal | undefined,
    postpone: (at: number) => Promise<never>,
  ): Promise<TrainingJobResult> {
    /** The run engine's stop, when an epoch's answer was one: the thread has carried it out. */
    let engineStop = null as Extract<EpochVerdict, { action: 'stop' }> | null;
    const run = new TrainingRun(
      deps.threads,
      { spec: attempt.spec, resumeFrom: attempt.checkpoint, bestWeights: attempt.bestWeights },
      {
        onStarted: ({ backend, dataset }) =>
          attempt.recordStart({
            backend: backend.backend,
            kernels: backend.kernels,
            tfjsVersion: backend.tfjsVersion,
            datasetSource: dataset.source,
            datasetVersion: dataset.version,
          }),
        onEpoch: async (metrics, checkpoint) => {
          const verdict = await attempt.recordEpoch(metrics, checkpoint);
          deps.metrics.epochStored(metrics.durationMs);
          jobLog.info({ ...metrics }, 'epoch stored');
          if (verdict.action === 'stop') {
            engineStop = verdict;
            jobLog.info(verdict.outcome === 'pruned' ? { pruned: verdict.pruned } : { stoppedEarly: verdict.stoppedEarly }, `training ${verdict.outcome}`);
          }
          return verdict;
        },
      },
    );
    const stop = () => run.stop();
    signal?.addEventListener('abort', stop);
    attempt.lost.addEventListener('abort', stop);
    deps.activeRuns.add(run);
    try {
      const outcome = await run.outcome;
      if (outcome.status === 'completed') {
        await attempt.complete(outcome);
        jobLog.info({ test: outcome.evaluation.test, weightsEpoch: outcome.weightsEpoch }, 'training completed');
        deps.metrics.runFinished('completed');
        const stoppedAt = engineStop?.outcome === 'early-stopped' ? engineStop.stoppedEarly.epoch : attempt.spec.epochs;
        return { outcome: 'completed', epochs: stoppedAt };
      }
      // The engine pruned the run as it stored its last epoch: nothing is left to do.
      if (engineStop?.outcome === 'pruned') {
        deps.metrics.runFinished('pruned');
        return { outcome: 'pruned', epochs: outcome.epochsDone };
      }
      if (attempt.lost.aborted || signal?.aborted) {
        jobLog.info({ epochsDone: outcome.epochsDone }, 'training stopped: the run is no longer this attempt\'s (cancelled?)');
        deps.metrics.runFinished('stopped');
        return { outcome: 'stopped', epochs: outcome.epochsDone };
      }
      // Stopped for shutdown: whoever takes the job next resumes from the last checkpoint.
      await attempt.handBack();
      jobLog.info({ epochsDone: outcome.epochsDone }, 'training interrupted by shutdown; job handed back');
      return await postpone(Date.now());
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      if (attempt.lost.aborted) {
        jobLog.info({ err: error }, 'training stopped: the run is no longer this attempt\'s');
        deps.metrics.runFinished('stopped');
        return { outcome: 'stopped', epochs: 0 };
      }
      jobLog.error({ err: error, attempt: attempt.number }, 'training attempt failed');
      const next = await attempt.fail(error);
      if (next.action === 'retry') return postpone(Date.now() + next.delayMs);
      deps.metrics.runFinished('failed');
      throw new UnrecoverableError(next.reason);
    } finally {
      attempt.end();
      signal?.removeEventListener('abort', stop);
      deps.activeRuns.delete(run);
    }
  }
}
