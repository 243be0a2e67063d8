import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { TRAIN_JOB_NAME, trainJobId, trainJobOptions } from '@lab/contracts';
import type { CancelOutcome } from '@lab/db';
import { serviceUnavailable } from './http-errors.ts';
import { withTimeout } from './timeout.ts';

/**
 * BullMQ waits for Redis indefinitely; a client should get an answer instead. Should a job still land
 * later, the worker finds its experiment failed and does not train it.
 */
const QUEUE_TIMEOUT_MS = 5_000;

/**
 * Queues one training job per stored experiment, in one round trip. One job per experiment
 * (deterministic job id), so enqueueing again is harmless. When the queue cannot take them, the
 * experiments are failed with the reason, so none is left queued forever, and the request gets a 503.
 */
export async function enqueueTraining(app: FastifyInstance, log: FastifyBaseLogger, experimentIds: readonly string[]): Promise<void> {
  try {
    const jobs = experimentIds.map((experimentId) => ({
      name: TRAIN_JOB_NAME,
      data: { experimentId },
      opts: { ...trainJobOptions, jobId: trainJobId(experimentId) },
    }));
    await withTimeout(app.trainingQueue.addBulk(jobs), QUEUE_TIMEOUT_MS, 'redis');
  } catch (error) {
    log.error({ err: error, experimentIds }, 'could not enqueue the training jobs');
    for (const id of experimentIds) {
      await app.experiments.fail(id, 'The training queue was unavailable when the experiment was submitted');
    }
    throw serviceUnavailable('The training queue is unavailable; try again later');
  }
}

/**
 * Cancels a queued or running experiment in Postgres, then removes its job if it is still waiting;
 * a job a worker holds is left to it: the worker sees the status and stops. If Redis is away the job
 * stays, harmlessly: a worker never starts a cancelled experiment.
 */
export async function cancelTraining(app: FastifyInstance, log: FastifyBaseLogger, experimentId: string): Promise<CancelOutcome> {
  const outcome = await app.experiments.cancel(experimentId);
  if (outcome === 'cancelled') {
    await withTimeout(app.trainingQueue.remove(trainJobId(experimentId)), QUEUE_TIMEOUT_MS, 'redis').catch((error: unknown) =>
      log.warn({ err: error, experimentId }, 'could not remove the cancelled job from the queue'),
    );
  }
  return outcome;
}
