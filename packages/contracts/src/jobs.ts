import { z } from 'zod';

/**
 * The job catalog shared by producer and consumer (both in the run engine): queue name, payload
 * schema and job options. The payload only points at the experiment: the spec lives in Postgres, so
 * a job can never disagree with what the API shows. Postgres is the record; a job is only the signal
 * "this run wants a worker", re-created by the reconciler whenever Redis loses it.
 */
export const TRAINING_QUEUE = 'training';

export const trainJobPayloadSchema = z.strictObject({
  experimentId: z.uuid(),
  /** The id of the request that submitted the run, for its logs; absent on jobs the reconciler re-creates. */
  requestId: z.string().max(128).optional(),
});
export type TrainJobPayload = z.infer<typeof trainJobPayloadSchema>;

export const TRAIN_JOB_NAME = 'train';

export const trainJobOptions = {
  /**
   * One BullMQ attempt per job: retries are the engine's decision (counted in Postgres, where they
   * survive Redis), carried out by moving the job back to delayed.
   */
  attempts: 1,
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
} as const;

/** BullMQ job id for an experiment: one job per experiment, so enqueueing twice is harmless. */
export const trainJobId = (experimentId: string): string => `experiment-${experimentId}`;
