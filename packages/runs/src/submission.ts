import { createHash, randomInt, randomUUID } from 'node:crypto';
import { SEED_RANGE, type ExperimentSpec, type ResolvedExperimentSpec, type SweepRequest } from '@lab/contracts';
import { toJsonInput } from '@lab/db';
import { publish } from './run-events.ts';
import type { Tx } from './run-rows.ts';
import { planSweep } from './sweep-plan.ts';
import type { QueuedRun } from './training-queue.ts';

/** One run of a sweep as it is about to be stored. */
export interface NewSweepRun {
  id: string;
  name: string;
  spec: ResolvedExperimentSpec;
}

/** A client's Idempotency-Key on a create request, and the request it names. */
export interface IdempotencyInput {
  /** What the key is unique within besides its owner: the method and route. */
  scope: string;
  key: string;
}

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/** Expired keys deleted per claim: cleanup is spread over the writes that create keys. */
const EXPIRED_DELETED_PER_CLAIM = 100;

/** A submission that would take its tenant past its cap of queued and running runs: nothing was stored. */
export class RunCapExceededError extends Error {
  override name = 'RunCapExceededError';
  constructor(
    readonly cap: number,
    readonly active: number,
    readonly requested: number,
  ) {
    super(
      `The tenant's cap of ${cap} queued or running runs would be exceeded: ${active} are queued or running and this ` +
        `submission adds ${requested}; submit again once some have finished (or cancel some)`,
    );
  }
}

/**
 * Lets `requested` new runs in for their tenant, or throws RunCapExceededError. The tenant's row (created
 * here if it is new) stays locked until the transaction ends, so a tenant's submissions are counted one
 * after another and two at once cannot both slip under the cap. Returns the tenant's queued and running
 * runs before these: the new runs' ranks follow it (fair share, see QueuedRun.rank).
 */
export async function admit(tx: Tx, ownerId: string, requested: number, cap: number): Promise<number> {
  await tx.$executeRaw`INSERT INTO "tenants" ("id") VALUES (${ownerId}) ON CONFLICT DO NOTHING`;
  await tx.$queryRaw`SELECT 1 FROM "tenants" WHERE "id" = ${ownerId} FOR UPDATE`;
  const [counted] = await tx.$queryRaw<{ active: number }[]>`
    SELECT count(*)::int AS "active" FROM "experiments" WHERE "owner_id" = ${ownerId} AND "status" IN ('queued', 'running')`;
  const active = counted?.active ?? 0;
  if (active + requested > cap) throw new RunCapExceededError(cap, active, requested);
  return active;
}

/** The key was used before with another body. */
export class IdempotencyKeyReusedError extends Error {
  override name = 'IdempotencyKeyReusedError';
}

type KeyClaim = { outcome: 'new' } | { outcome: 'replay'; resourceId: string };

/**
 * Claims an idempotency key for `resourceId` inside the transaction that creates the resource: the
 * key and the resource commit together or not at all. A concurrent duplicate's insert waits for this
 * transaction on the key's primary key, then sees the committed key and replays it.
 */
async function claimKey(tx: Tx, ownerId: string, idempotency: IdempotencyInput, requestHash: string, resourceId: string): Promise<KeyClaim> {
  const scope = `${ownerId} ${idempotency.scope}`;
  await tx.$executeRaw`
    DELETE FROM "idempotency_keys" WHERE ctid IN (
      SELECT ctid FROM "idempotency_keys" WHERE "expires_at" < now() LIMIT ${EXPIRED_DELETED_PER_CLAIM}
    ) OR ("scope" = ${scope} AND "key" = ${idempotency.key} AND "expires_at" < now())`;
  const expiresAt = new Date(Date.now() + IDEMPOTENCY_TTL_MS);
  const inserted = await tx.idempotencyKey.createMany({
    data: [{ scope, key: idempotency.key, requestHash, resourceId, expiresAt }],
    skipDuplicates: true,
  });
  if (inserted.count === 1) return { outcome: 'new' };
  const existing = await tx.idempotencyKey.findUniqueOrThrow({ where: { scope_key: { scope, key: idempotency.key } } });
  if (existing.requestHash !== requestHash) throw new IdempotencyKeyReusedError('This Idempotency-Key was already used with a different request body');
  return { outcome: 'replay', resourceId: existing.resourceId };
}

/** sha256 of the request as canonical JSON (keys sorted): key order and spelled-out defaults do not matter. */
export function requestHash(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request, sortedKeys) ?? '').digest('hex');
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export const drawSeed = (): number => randomInt(SEED_RANGE);

/** Publishes each new run's first state; rows are created at version 1 (the sweep's too). */
async function announceQueued(tx: Tx, ownerId: string, sweepId: string | null, runs: readonly { id: string; spec: ResolvedExperimentSpec }[]) {
  for (const run of runs) {
    await publish(tx, {
      type: 'status',
      experimentId: run.id,
      sweepId,
      ownerId,
      status: 'queued',
      version: 1,
      sweepVersion: sweepId === null ? null : 1,
      epochsDone: 0,
      epochs: run.spec.epochs,
      error: null,
    });
  }
}

export interface Submitted {
  id: string;
  /** True when an earlier request with the same key created it: nothing new was stored. */
  replayed: boolean;
  /** Runs that were created now and want a worker (none on a replay). */
  created: QueuedRun[];
}

/** What every submission carries besides its body. */
export interface SubmissionInput {
  ownerId: string;
  idempotency?: IdempotencyInput;
  /** The submitting request's id, carried into the jobs' logs. */
  requestId?: string;
}

/** The limit a submission is admitted against. */
export interface SubmissionLimits {
  /** Queued + running runs one tenant may have at once. */
  maxActiveRunsPerTenant: number;
}

/** Room for two sweeps of the largest size (MAX_SWEEP_RUNS) at once. */
export const DEFAULT_SUBMISSION_LIMITS: SubmissionLimits = { maxActiveRunsPerTenant: 200 };

/** New runs in submission order, ranked after the tenant's `active` unfinished ones. */
const queuedRuns = (input: SubmissionInput, active: number, ids: readonly string[]): QueuedRun[] =>
  ids.map((id, index) => ({
    id,
    ownerId: input.ownerId,
    rank: active + index + 1,
    ...(input.requestId === undefined ? {} : { requestId: input.requestId }),
  }));

/**
 * Stores a new experiment (queued), with its idempotency key when given, in one transaction; refused
 * whole (RunCapExceededError) when its tenant is at its cap. A replay is answered even at the cap.
 */
export async function storeExperiment(
  tx: Tx,
  input: SubmissionInput & { spec: ExperimentSpec },
  limits: SubmissionLimits,
): Promise<Submitted> {
  const id = randomUUID();
  if (input.idempotency !== undefined) {
    const claim = await claimKey(tx, input.ownerId, input.idempotency, requestHash(input.spec), id);
    if (claim.outcome === 'replay') return { id: claim.resourceId, replayed: true, created: [] };
  }
  const active = await admit(tx, input.ownerId, 1, limits.maxActiveRunsPerTenant);
  const spec: ResolvedExperimentSpec = { ...input.spec, seed: input.spec.seed ?? drawSeed() };
  await tx.experiment.create({
    data: { id, name: spec.name ?? null, ownerId: input.ownerId, spec: toJsonInput(spec), seed: spec.seed },
    select: { id: true },
  });
  await announceQueued(tx, input.ownerId, null, [{ id, spec }]);
  return { id, replayed: false, created: queuedRuns(input, active, [id]) };
}

/**
 * Stores a sweep and every one of its runs (queued) in one transaction: never a sweep without all its
 * runs, and refused whole (RunCapExceededError) when they would take the tenant past its cap.
 */
export async function storeSweep(
  tx: Tx,
  input: SubmissionInput & { request: SweepRequest },
  limits: SubmissionLimits,
): Promise<Submitted> {
  const id = randomUUID();
  if (input.idempotency !== undefined) {
    const claim = await claimKey(tx, input.ownerId, input.idempotency, requestHash(input.request), id);
    if (claim.outcome === 'replay') return { id: claim.resourceId, replayed: true, created: [] };
  }
  const { ownerId } = input;
  const plan = planSweep(id, input.request, drawSeed);
  const active = await admit(tx, ownerId, plan.runs.length, limits.maxActiveRunsPerTenant);
  await tx.sweep.create({ data: { id, name: input.request.name ?? null, ownerId, spec: toJsonInput(plan.spec) }, select: { id: true } });
  await tx.experiment.createMany({
    data: plan.runs.map((run) => ({ id: run.id, name: run.name, ownerId, spec: toJsonInput(run.spec), seed: run.spec.seed, sweepId: id })),
  });
  await announceQueued(tx, ownerId, id, plan.runs);
  return { id, replayed: false, created: queuedRuns(input, active, plan.runs.map((run) => run.id)) };
}
