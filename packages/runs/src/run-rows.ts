// The two primitives every state change of the engine is built from: lock a run's row (and read the
// database's clock), then change it — which bumps the versions that ETags and caches are keyed by and
// publishes the status event in the same transaction.
import type { EpochMetrics, ExperimentStatus, ResolvedExperimentSpec } from '@lab/contracts';
import { toSpec, type Prisma } from '@lab/db';
import { publish } from './run-events.ts';

export type Tx = Prisma.TransactionClient;

export interface LockedRun {
  id: string;
  ownerId: string;
  sweepId: string | null;
  status: ExperimentStatus;
  spec: ResolvedExperimentSpec;
  epochsDone: number;
  attempts: number;
  failedAttempts: number;
  leaseToken: string | null;
  leaseExpiresAt: Date | null;
  errorMessage: string | null;
  /** The database's clock when the row was locked: every lease time is computed from it. */
  now: Date;
}

interface LockedRow {
  id: string;
  owner_id: string;
  sweep_id: string | null;
  status: ExperimentStatus;
  spec: unknown;
  epochs_done: number;
  attempts: number;
  failed_attempts: number;
  lease_token: string | null;
  lease_expires_at: Date | null;
  error_message: string | null;
  now: Date;
}

/** Locks the run's row until the transaction ends; null when it does not exist (or is another owner's). */
export async function lockRun(tx: Tx, id: string, ownerId?: string): Promise<LockedRun | null> {
  const rows = await tx.$queryRaw<LockedRow[]>`
    SELECT "id", "owner_id", "sweep_id", "status", "spec", "epochs_done", "attempts", "failed_attempts",
           "lease_token", "lease_expires_at", "error_message", now() AS "now"
    FROM "experiments"
    WHERE "id" = ${id}::uuid AND (${ownerId ?? null}::text IS NULL OR "owner_id" = ${ownerId ?? null}::text)
    FOR UPDATE`;
  const row = rows[0];
  if (row === undefined) return null;
  return {
    id: row.id,
    ownerId: row.owner_id,
    sweepId: row.sweep_id,
    status: row.status,
    spec: toSpec(row.spec),
    epochsDone: row.epochs_done,
    attempts: row.attempts,
    failedAttempts: row.failed_attempts,
    leaseToken: row.lease_token,
    leaseExpiresAt: row.lease_expires_at,
    errorMessage: row.error_message,
    now: row.now,
  };
}

/** Fields of a run the engine changes; everything else of a row is written once, at submission. */
export type RunChange = Omit<Prisma.ExperimentUpdateInput, 'version' | 'sweep' | 'spec' | 'seed' | 'ownerId' | 'id'>;

/** What a finished run no longer has: nobody may write for it until a resume claims it afresh. */
export const NO_LEASE = { leaseToken: null, leaseHolder: null, leaseExpiresAt: null } as const;

/** An epoch the change stored, published instead of a status event. */
export interface StoredEpoch {
  metrics: EpochMetrics;
  sweepSeq: number | null;
}

/**
 * Applies `change` to a locked run, bumps its version (and its sweep's), and publishes the change:
 * an `epoch` event when it stored `epoch`, else a `status` event. Returns the run as it now is.
 */
export async function changeRun(tx: Tx, run: LockedRun, change: RunChange, epoch?: StoredEpoch): Promise<LockedRun> {
  const row = await tx.experiment.update({
    where: { id: run.id },
    data: { ...change, version: { increment: 1 } },
    select: {
      status: true,
      epochsDone: true,
      attempts: true,
      failedAttempts: true,
      leaseToken: true,
      leaseExpiresAt: true,
      errorMessage: true,
      version: true,
    },
  });
  const sweepVersion = run.sweepId === null ? null : await touchSweep(tx, run.sweepId);
  const ref = { experimentId: run.id, sweepId: run.sweepId, ownerId: run.ownerId, status: row.status, version: row.version, sweepVersion };
  await publish(
    tx,
    epoch === undefined
      ? { type: 'status', ...ref, epochsDone: row.epochsDone, epochs: run.spec.epochs, error: row.errorMessage }
      : { type: 'epoch', ...ref, sweepSeq: epoch.sweepSeq, metrics: epoch.metrics },
  );
  const { version: _version, ...state } = row;
  return { ...run, ...state };
}

/** Bumps the sweep's version (its summary, list entry and ETag change with any of its runs); returns it. */
async function touchSweep(tx: Tx, sweepId: string): Promise<number> {
  const sweep = await tx.sweep.update({ where: { id: sweepId }, data: { version: { increment: 1 } }, select: { version: true } });
  return sweep.version;
}
