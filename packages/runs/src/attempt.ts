import { createHash } from 'node:crypto';
import type { Checkpoint, EncodedTensors, EpochMetrics, EpochVerdict, Evaluation, ModelArtifacts, ResolvedExperimentSpec, TestPrediction } from '@lab/contracts';
import { boundedMessage, isDatabaseUnavailable, toBytes, toJsonInput, type Db, type PrismaClient } from '@lab/db';
import { deleteOlderCheckpoints, writeCheckpoint } from './checkpoints.ts';
import { decideAfterFailure, type FailureDecision } from './decisions.ts';
import { judgeEpoch } from './epoch-verdict.ts';
import type { Log } from './log.ts';
import type { RunPolicy } from './policy.ts';
import { withRetry, type RetryPolicy } from './retry.ts';
import type { ResumePoint } from './resume-point.ts';
import type { Commit } from './run-events.ts';
import { changeRun, lockRun, NO_LEASE, type LockedRun, type Tx } from './run-rows.ts';

/** Where and with what a run trains, recorded when its attempt has started. */
export interface RunInfo {
  backend: string;
  kernels: string;
  tfjsVersion: string;
  datasetSource: string;
  datasetVersion: string;
}

export interface CompletedRun {
  evaluation: Evaluation;
  /** One per test image, in test-set order. */
  predictions: TestPrediction[];
  model: ModelArtifacts;
  /** The epoch whose weights were evaluated and saved; the last epoch stored when omitted. */
  weightsEpoch?: number;
}

/** The attempt no longer holds the run: it was cancelled or finished, or another attempt took it over. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/**
 * Writes an attempt cannot do without ride out a Postgres restart: retried for up to two minutes, then
 * the attempt fails (and is retried by the engine's policy, resuming from the last checkpoint).
 */
const DATABASE_RETRY: RetryPolicy = { isTransient: isDatabaseUnavailable, giveUpAfterMs: 120_000, initialDelayMs: 250, maxDelayMs: 5_000 };

/** Writing 10 000 predictions plus a model can outlast Prisma's 5 s default for a transaction. */
const COMPLETE_TIMEOUT_MS = 60_000;

export interface AttemptDeps {
  /** For lease renewals, which change nothing a reader sees. */
  prisma: PrismaClient;
  /** The engine's transactions, so that this process hears of the attempt's changes at once. */
  commit: Commit;
  /** The connections under `prisma`, for checkpoint writes (see writeCheckpoint). */
  pool: Db['pool'];
  policy: RunPolicy;
  log: Log;
}

/**
 * One attempt at training a run, from a successful claim to its end. It holds the run's lease and
 * renews it while it lives; every write is fenced by the lease token, so once the lease is lost
 * (cancelled, or taken over after this worker looked dead) nothing this attempt does reaches Postgres.
 */
export class Attempt {
  readonly runId: string;
  /**
   * The spec as this attempt trains it: the run's, or, when early stopping had already ended the run
   * (its previous worker died before completing it), the same up to the epoch it stopped at.
   */
  readonly spec: ResolvedExperimentSpec;
  /** Where training resumes from; null for a fresh start. */
  readonly checkpoint: Checkpoint | null;
  /** The best epoch's weights so far, when early stopping restores them. */
  readonly bestWeights: { epoch: number; weights: EncodedTensors } | null;
  /** This attempt's number among the run's claims (1 for the first). */
  readonly number: number;
  private readonly lostController = new AbortController();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly deps: AttemptDeps,
    private readonly token: string,
    claimed: { run: LockedRun } & ResumePoint,
  ) {
    this.runId = claimed.run.id;
    const { spec } = claimed.run;
    this.spec = claimed.stoppedEarly === null ? spec : { ...spec, epochs: claimed.stoppedEarly.epoch };
    this.number = claimed.run.attempts;
    this.checkpoint = claimed.checkpoint;
    this.bestWeights = claimed.bestWeights;
    this.heartbeat = setInterval(() => void this.renew(), Math.max(100, Math.floor(deps.policy.leaseMs / 3)));
    this.heartbeat.unref();
  }

  /** Aborted when the run is no longer this attempt's; its reason says why. Training must stop. */
  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  async recordStart(info: RunInfo): Promise<void> {
    await this.fenced('record the run info', async (tx, run) => {
      await changeRun(tx, run, info);
    });
  }

  /**
   * Stores the checkpoint taken at an epoch's end, then the epoch's metrics in one transaction that
   * publishes the epoch and answers what training does next (see EpochVerdict): the sweep's pruning
   * and the run's early stopping are decided in that transaction, from what is stored. A pruned run is ended
   * here (status `pruned`, lease released, checkpoint kept); an early-stopped one records where and
   * why, and the worker completes it. Training waits for the answer, so a checkpoint is durable before
   * the next epoch starts. The checkpoint goes first, on its own (writeCheckpoint): a crash between
   * the two writes leaves the epoch to be replayed, identically, from the previous checkpoint.
   */
  async recordEpoch(metrics: EpochMetrics, checkpoint: Checkpoint): Promise<EpochVerdict> {
    if (checkpoint.epoch !== metrics.epoch) {
      throw new Error(`checkpoint of epoch ${checkpoint.epoch} recorded with the metrics of epoch ${metrics.epoch}`);
    }
    const written = await withRetry(
      `store the checkpoint of epoch ${checkpoint.epoch}`,
      () => writeCheckpoint(this.deps.pool, this.runId, this.token, checkpoint),
      DATABASE_RETRY,
      this.deps.log,
    );
    if (!written) this.shutOut();
    let verdict = { action: 'continue', newBest: false } as EpochVerdict;
    await this.fenced(`store epoch ${metrics.epoch}`, async (tx, run) => {
      const sweepSeq = run.sweepId === null ? null : await nextSweepSeq(tx, run.sweepId);
      const { epoch, ...values } = metrics;
      // A replayed epoch (stored before a crash) is already there, identical: keep the first.
      const inserted = await tx.epochMetric.createMany({
        data: [{ experimentId: run.id, epoch, ...values, sweepSeq }],
        skipDuplicates: true,
      });
      verdict = await judgeEpoch(tx, run, metrics.epoch);
      if (verdict.action === 'continue' && verdict.newBest && run.spec.earlyStopping?.restoreBestWeights) {
        await storeBestWeights(tx, run.id, checkpoint.epoch, checkpoint.weights);
      }
      const epochsDone = Math.max(run.epochsDone, metrics.epoch);
      await deleteOlderCheckpoints(tx, run.id, epochsDone);
      const stored = await changeRun(
        tx,
        run,
        {
          epochsDone,
          leaseExpiresAt: this.leaseExpiry(run.now),
          ...(verdict.action === 'stop' && verdict.outcome === 'early-stopped' ? { stoppedEarly: toJsonInput(verdict.stoppedEarly) } : {}),
        },
        inserted.count === 1 ? { metrics, sweepSeq } : undefined,
      );
      if (verdict.action === 'stop' && verdict.outcome === 'pruned') {
        await changeRun(tx, stored, { status: 'pruned', finishedAt: run.now, pruned: toJsonInput(verdict.pruned), ...NO_LEASE });
      }
    });
    if (verdict.action === 'stop' && verdict.outcome === 'pruned') this.end();
    return verdict;
  }

  /** Stores the evaluation, test predictions and model and marks the run completed, all or nothing. */
  async complete(result: CompletedRun): Promise<void> {
    await this.fenced(
      'store the results',
      async (tx, run) => {
        const { evaluation, predictions, model } = result;
        await tx.evaluation.create({
          data: {
            experimentId: run.id,
            epoch: result.weightsEpoch ?? run.epochsDone,
            trainLoss: evaluation.train.loss,
            trainAccuracy: evaluation.train.accuracy,
            testLoss: evaluation.test.loss,
            testAccuracy: evaluation.test.accuracy,
            details: toJsonInput(evaluation),
          },
        });
        await insertPredictions(tx, run.id, predictions);
        await tx.trainedModel.create({
          data: {
            experimentId: run.id,
            topology: toJsonInput(model.topology),
            weightSpecs: toJsonInput(model.weightSpecs),
            weightData: toBytes(model.weightData),
            weightsSha256: createHash('sha256').update(model.weightData).digest('hex'),
          },
        });
        // The model holds them now, and a resume trains without early stopping.
        await tx.bestWeights.deleteMany({ where: { experimentId: run.id } });
        await changeRun(tx, run, { status: 'completed', finishedAt: run.now, errorMessage: null, ...NO_LEASE });
      },
      COMPLETE_TIMEOUT_MS,
    );
    this.end();
  }

  /** Stopped for a shutdown: gives the run back unharmed, for any worker to resume at once. */
  async handBack(): Promise<void> {
    await this.fenced('hand the run back', async (tx, run) => {
      await changeRun(tx, run, NO_LEASE);
    });
    this.end();
  }

  /**
   * The attempt threw. Records the failure and says what happens next: a retry after a delay (the
   * lease is given up, so the retry may claim at once) or the run's end as `failed`.
   */
  async fail(error: unknown, options: { final?: boolean } = {}): Promise<FailureDecision> {
    const message = error instanceof Error ? error.message : String(error);
    let decision: FailureDecision = { action: 'fail', reason: message };
    await this.fenced('record the failure', async (tx, run) => {
      const failedAttempts = run.failedAttempts + 1;
      decision = decideAfterFailure({ message, final: options.final ?? false }, failedAttempts, this.deps.policy);
      const change =
        decision.action === 'fail'
          ? { status: 'failed' as const, finishedAt: run.now, errorMessage: boundedMessage(decision.reason) }
          : { errorMessage: boundedMessage(`Attempt ${run.attempts} failed (retrying): ${message}`) };
      await changeRun(tx, run, { ...change, failedAttempts, ...NO_LEASE });
    });
    this.end();
    return decision;
  }

  /** Stops renewing the lease. Safe to call more than once. */
  end(): void {
    clearInterval(this.heartbeat);
  }

  private leaseExpiry(now: Date): Date {
    return new Date(now.getTime() + this.deps.policy.leaseMs);
  }

  /** Extends the lease; finds out that it was lost when nothing matches the token any more. */
  private async renew(): Promise<void> {
    try {
      const renewed = await this.deps.prisma.$executeRaw`
        UPDATE "experiments" SET "lease_expires_at" = now() + ${this.deps.policy.leaseMs} * interval '1 millisecond'
        WHERE "id" = ${this.runId}::uuid AND "lease_token" = ${this.token}::uuid`;
      if (renewed === 0) this.markLost();
    } catch (error) {
      // An outage: the lease may lapse meanwhile, and then fencing stops this attempt's next write.
      this.deps.log.warn({ err: error, experimentId: this.runId }, 'could not renew the lease; will retry');
    }
  }

  private markLost(): void {
    if (this.lost.aborted) return;
    this.end();
    this.lostController.abort(new LeaseLostError('The run is no longer this attempt\'s: it was cancelled or finished, or another attempt took it over'));
  }

  /**
   * Runs `write` in a transaction on the run's locked row, only while this attempt still holds the
   * lease; retried through database outages. Throws LeaseLostError (and aborts `lost`) otherwise.
   */
  private async fenced(what: string, write: (tx: Tx, run: LockedRun) => Promise<void>, timeoutMs?: number): Promise<void> {
    const held = await withRetry(
      what,
      () =>
        this.deps.commit(
          async (tx) => {
            const run = await lockRun(tx, this.runId);
            if (run === null || run.leaseToken !== this.token) return false;
            await write(tx, run);
            return true;
          },
          timeoutMs === undefined ? undefined : { timeout: timeoutMs },
        ),
      DATABASE_RETRY,
      this.deps.log,
    );
    if (!held) this.shutOut();
  }

  /** A write found the lease gone: the attempt is lost, and the write's caller learns it. */
  private shutOut(): never {
    this.markLost();
    throw this.lost.reason as LeaseLostError;
  }
}

/** The next number of the sweep's event stream; the sweep's row lock orders concurrent epochs. */
async function nextSweepSeq(tx: Tx, sweepId: string): Promise<number> {
  const sweep = await tx.sweep.update({ where: { id: sweepId }, data: { eventSeq: { increment: 1 } }, select: { eventSeq: true } });
  return sweep.eventSeq;
}

/** Keeps the weights of the run's best epoch so far; an older epoch (a replay) never replaces a newer one. */
async function storeBestWeights(tx: Tx, experimentId: string, epoch: number, weights: EncodedTensors): Promise<void> {
  const data = { epoch, weightSpecs: toJsonInput(weights.specs), weightData: toBytes(weights.data) };
  const replaced = await tx.bestWeights.updateMany({ where: { experimentId, epoch: { lte: epoch } }, data });
  if (replaced.count === 0) await tx.bestWeights.createMany({ data: [{ experimentId, ...data }], skipDuplicates: true });
}

/**
 * Bulk insert of a test set's predictions as one statement over four arrays. Measured on 10 000 rows:
 * ~100 ms, where `createMany` (one bound parameter per value, built in JS) takes ~1.6 s.
 */
async function insertPredictions(tx: Tx, experimentId: string, predictions: readonly TestPrediction[]): Promise<void> {
  if (predictions.length === 0) return;
  const indexes = predictions.map((_, index) => index);
  const trueClasses = predictions.map((prediction) => prediction.trueClass);
  const predictedClasses = predictions.map((prediction) => prediction.predictedClass);
  const confidences = predictions.map((prediction) => prediction.confidence);
  await tx.$executeRaw`
    INSERT INTO "test_predictions" ("experiment_id", "index", "true_class", "predicted_class", "confidence")
    SELECT ${experimentId}::uuid, * FROM unnest(
      ${indexes}::integer[], ${trueClasses}::smallint[], ${predictedClasses}::smallint[], ${confidences}::double precision[]
    )`;
}

