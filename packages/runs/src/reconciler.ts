import type { ExperimentStatus } from '@lab/contracts';
import type { PrismaClient } from '@lab/db';
import { decideReconcile } from './decisions.ts';
import type { RunEngine } from './engine.ts';
import type { Log } from './log.ts';
import type { QueuedRun, TrainingQueue } from './training-queue.ts';

/** Unfinished runs looked at per pass; more are reached by the next passes, oldest first. */
const RUNS_PER_PASS = 2_000;

export interface ReconcileReport {
  checked: number;
  enqueued: number;
  replaced: number;
  failed: number;
}

interface UnfinishedRow {
  id: string;
  owner_id: string;
  status: ExperimentStatus;
  lease_live: boolean;
  /** Its place among its tenant's unfinished runs (QueuedRun.rank). */
  rank: number;
}

/**
 * Makes the training queue agree with Postgres (a transactional outbox whose outbox is the runs
 * table itself): every queued run, and every running one that no live attempt holds, must have a
 * job; a job BullMQ gave up on fails its run with BullMQ's reason. It runs in every API and worker
 * process, every `intervalMs` and at once whenever Redis (re)connects. Several at once are safe:
 * job ids are deterministic, so a second add of the same job is a no-op, and a run's lease — not the
 * queue — decides who trains it.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileReport | null> | null = null;
  private again = false;
  private closed = false;
  private readonly onRedisReady = () => this.trigger();

  constructor(
    private readonly deps: { prisma: PrismaClient; queue: TrainingQueue; engine: RunEngine; log: Log; intervalMs: number },
  ) {}

  start(): void {
    if (this.closed || this.timer !== undefined) return;
    this.deps.queue.redis.on('ready', this.onRedisReady);
    this.timer = setInterval(() => this.trigger(), this.deps.intervalMs);
    this.timer.unref();
    this.trigger();
  }

  /** Runs a pass soon; a trigger during a pass runs one more after it. */
  trigger(): void {
    if (this.closed) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    this.running = this.reconcileOnce()
      .catch((error: unknown) => {
        this.deps.log.warn({ err: error }, 'reconcile pass failed; the next one retries');
        return null;
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.trigger();
        }
      });
  }

  /** One pass over the unfinished runs. Throws when Postgres or Redis cannot be read. */
  async reconcileOnce(): Promise<ReconcileReport> {
    const { prisma, queue, engine, log } = this.deps;
    const runs = await prisma.$queryRaw<UnfinishedRow[]>`
      SELECT "id", "owner_id", "status",
             ("lease_token" IS NOT NULL AND "lease_expires_at" > now()) AS "lease_live",
             row_number() OVER (PARTITION BY "owner_id" ORDER BY "created_at", "id")::int AS "rank"
      FROM "experiments"
      WHERE "status" IN ('queued', 'running')
      ORDER BY "created_at", "id"
      LIMIT ${RUNS_PER_PASS}`;
    const report: ReconcileReport = { checked: runs.length, enqueued: 0, replaced: 0, failed: 0 };
    if (runs.length === 0) return report;
    const jobs = await queue.states(runs.map((run) => run.id));
    const toAdd: QueuedRun[] = [];
    for (const run of runs) {
      const job = jobs.get(run.id) ?? { state: 'unknown' as const, failedReason: null };
      const decision = decideReconcile({ status: run.status, leaseLive: run.lease_live }, job.state, job.failedReason);
      switch (decision.action) {
        case 'enqueue':
          toAdd.push({ id: run.id, ownerId: run.owner_id, rank: run.rank });
          report.enqueued++;
          break;
        case 'replace':
          await queue.remove(run.id);
          toAdd.push({ id: run.id, ownerId: run.owner_id, rank: run.rank });
          report.replaced++;
          break;
        case 'fail':
          if (await engine.failUnheld(run.id, decision.reason)) report.failed++;
          break;
        case 'none':
          break;
      }
    }
    await queue.add(toAdd);
    if (toAdd.length > 0 || report.failed > 0) log.info({ ...report }, 'reconciled the training queue with Postgres');
    return report;
  }

  /** Stops the timer and waits for a pass in progress. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.deps.queue.redis.off('ready', this.onRedisReady);
    await this.running;
  }
}
