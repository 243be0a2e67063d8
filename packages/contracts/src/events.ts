import { z } from 'zod';
import { epochMetricsSchema, experimentStatusSchema } from './experiment.ts';
import { sweepProgressSchema, sweepStatusSchema } from './sweep.ts';

/**
 * Lifecycle notifications: the run engine publishes one in the same Postgres transaction as every
 * stored epoch and every state change (NOTIFY is delivered on commit, so a listener never hears of
 * something it cannot read yet). Every API instance and worker listens; streams and cancellation are
 * driven by them.
 *
 * Cursors: for an experiment the epoch number is the cursor (history's `afterEpoch`, the SSE event
 * id); for a sweep, `sweepSeq` numbers the sweep's stored epochs 1, 2, 3… in commit order.
 *
 * Every change the engine makes publishes exactly one event: `epoch` when it stored an epoch, else
 * `status` (whose status may be unchanged: a retry's error, the backend recorded). Each carries the
 * run's new `version` (and its sweep's), so a reader's cache knows what it holds is stale.
 */
export const RUN_EVENTS_CHANNEL = 'lab_run_events';

const runRef = {
  experimentId: z.uuid(),
  sweepId: z.uuid().nullable(),
  ownerId: z.string(),
  status: experimentStatusSchema,
  /** The run's version after the change (what its ETag is made of). */
  version: z.number().int().min(1),
  /** The sweep's version after the change; null outside a sweep. */
  sweepVersion: z.number().int().min(1).nullable(),
};

export const epochEventSchema = z.object({
  type: z.literal('epoch'),
  ...runRef,
  /** Null for a run outside a sweep. */
  sweepSeq: z.number().int().min(1).nullable(),
  metrics: epochMetricsSchema,
});
export type EpochEvent = z.infer<typeof epochEventSchema>;

export const statusEventSchema = z.object({
  type: z.literal('status'),
  ...runRef,
  /** Epochs stored when the state changed. */
  epochsDone: z.number().int().min(0),
  epochs: z.number().int().min(1),
  error: z.string().nullable(),
});
export type StatusEvent = z.infer<typeof statusEventSchema>;

export const runEventSchema = z.discriminatedUnion('type', [epochEventSchema, statusEventSchema]);
export type RunEvent = z.infer<typeof runEventSchema>;

/**
 * What the event streams send (`GET /v1/experiments/:id/events`, `GET /v1/sweeps/:id/events`):
 * - `event: epoch`, `id: <epoch>` (a sweep: `id: <sweepSeq>`), data = the history row (a sweep's also
 *   names its run: `experimentId`);
 * - `event: status`, no id, data = `experimentStreamStatusSchema` / `sweepStreamStatusSchema`; the
 *   current one is sent after the replay, then one per change; the stream ends after a final status.
 * A client resumes with `Last-Event-ID` (or `?afterEpoch=` / `?afterSeq=`): no gap and no repeat.
 */
export const SSE_EVENT_NAMES = { epoch: 'epoch', status: 'status' } as const;

export const experimentStreamStatusSchema = z.object({
  experimentId: z.uuid(),
  status: experimentStatusSchema,
  progress: z.object({ epoch: z.number().int(), epochs: z.number().int() }),
  error: z.string().nullable(),
});
export type ExperimentStreamStatus = z.infer<typeof experimentStreamStatusSchema>;

export const sweepStreamEpochSchema = epochMetricsSchema.extend({ experimentId: z.uuid() });
export type SweepStreamEpoch = z.infer<typeof sweepStreamEpochSchema>;

export const sweepStreamStatusSchema = z.object({
  sweepId: z.uuid(),
  status: sweepStatusSchema,
  progress: sweepProgressSchema,
  /** The run whose change caused this event; null for the status sent when the stream opens. */
  run: z.object({ experimentId: z.uuid(), status: experimentStatusSchema }).nullable(),
});
export type SweepStreamStatus = z.infer<typeof sweepStreamStatusSchema>;
