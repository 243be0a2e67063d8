import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** How a run this worker trained ended: completed, failed for good, pruned, or stopped (cancelled, or taken over). */
export type FinishedOutcome = 'completed' | 'failed' | 'pruned' | 'stopped';

/** From a tiny test run (a fraction of a second) to the lesson's full epochs on a slow backend. */
const EPOCH_BUCKETS_SECONDS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 600];

/**
 * This worker process's Prometheus metrics (served by metrics-server.ts): how long its epochs take,
 * how its runs ended, and prom-client's process metrics (event-loop lag, memory, CPU, GC). The queue's
 * job counts are the API's to report (one queue, whichever process asks).
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly epochDuration: Histogram;
  private readonly runsFinished: Counter<'outcome'>;
  private readonly threadsStarted: Counter;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.epochDuration = new Histogram({
      name: 'training_epoch_duration_seconds',
      help: 'Time to train and validate one epoch, as stored with it',
      buckets: EPOCH_BUCKETS_SECONDS,
      registers: [this.registry],
    });
    this.runsFinished = new Counter({
      name: 'training_runs_finished_total',
      help: 'Runs this worker trained that ended, by outcome (stopped: cancelled, or taken over by another attempt)',
      labelNames: ['outcome'] as const,
      registers: [this.registry],
    });
    this.threadsStarted = new Counter({
      name: 'training_threads_started_total',
      help: 'Training threads this worker started: one per concurrent run while threads outlive their runs; more means runs failed in them',
      registers: [this.registry],
    });
    // Every outcome is shown from the start, at 0, so that a rate over it is defined before the first run ends.
    for (const outcome of ['completed', 'failed', 'pruned', 'stopped'] as const) this.runsFinished.inc({ outcome }, 0);
  }

  epochStored(durationMs: number): void {
    this.epochDuration.observe(durationMs / 1000);
  }

  runFinished(outcome: FinishedOutcome): void {
    this.runsFinished.inc({ outcome });
  }

  threadStarted(): void {
    this.threadsStarted.inc();
  }
}
