import { z } from 'zod';

/**
 * The job catalog shared by producer (api) and consumer (worker): queue name, payload schema and
 * retry policy. The payload only points at the experiment: the spec lives in Postgres, so a job can
 * never disagree with what the API shows.
 */
export const TRAINING_QUEUE = 'training';

export const trainJobPayloadSchema = z.strictObject({
  experimentId: z.uuid(),
});
export type TrainJobPayload = z.infer<typeof trainJobPayloadSchema>;

export const TRAIN_JOB_NAME = 'train';

export const trainJobOptions = {
  /** Retries cover crashes and lost connections; a resumed run restarts from its last checkpoint. */
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
} as const;

/** BullMQ job id for an experiment: one job per experiment, so enqueueing twice is harmless. */
export const trainJobId = (experimentId: string): string => `experiment-${experimentId}`;
