import type { PrismaClient } from './generated/client.ts';

/** A key names one request within a scope (method + route): the same key on two routes is two keys. */
export interface IdempotencyRequest {
  scope: string;
  key: string;
  /** Fingerprint of the request body: the same key with a different body is a conflict. */
  requestHash: string;
}

export type IdempotencyClaim =
  /** The key is ours: create the resource with `resourceId`, then `complete` (or `release` on failure). */
  | { outcome: 'claimed'; resourceId: string }
  /** An earlier request with this key and body created `resourceId`. */
  | { outcome: 'replay'; resourceId: string }
  /** The key was used with another body. */
  | { outcome: 'conflict' }
  /** An earlier request with this key and body is still creating its resource. */
  | { outcome: 'in-progress'; resourceId: string };

export interface IdempotencyPolicy {
  /** How long a key is remembered after it is claimed. */
  ttlMs: number;
  /** A claim never completed within this is taken to be abandoned (its request crashed) and may be taken over. */
  abandonedAfterMs: number;
}

/** Expired keys deleted per claim: cleanup is spread over the writes that create keys. */
const EXPIRED_DELETED_PER_CLAIM = 100;

/**
 * Idempotency keys of create requests. A key is claimed (with the id the resource will get) before the
 * resource is created and completed after, so concurrent duplicates never create two resources.
 */
export class IdempotencyKeyRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly policy: IdempotencyPolicy,
  ) {}

  async claim(request: IdempotencyRequest, resourceId: string): Promise<IdempotencyClaim> {
    await this.deleteExpired(request);
    const now = Date.now();
    const created = await this.prisma.idempotencyKey.createMany({
      data: [{ ...request, resourceId, expiresAt: new Date(now + this.policy.ttlMs) }],
      skipDuplicates: true,
    });
    if (created.count === 1) return { outcome: 'claimed', resourceId };

    const existing = await this.prisma.idempotencyKey.findUnique({
      where: { scope_key: { scope: request.scope, key: request.key } },
    });
    // Released or expired between the two statements: claim it afresh.
    if (existing === null) return this.claim(request, resourceId);
    if (existing.requestHash !== request.requestHash) return { outcome: 'conflict' };
    if (existing.completedAt !== null) return { outcome: 'replay', resourceId: existing.resourceId };
    if (existing.createdAt.getTime() > now - this.policy.abandonedAfterMs) {
      return { outcome: 'in-progress', resourceId: existing.resourceId };
    }
    const takenOver = await this.prisma.idempotencyKey.updateMany({
      where: { scope: request.scope, key: request.key, resourceId: existing.resourceId, completedAt: null },
      data: { resourceId, createdAt: new Date(now), expiresAt: new Date(now + this.policy.ttlMs) },
    });
    return takenOver.count === 1 ? { outcome: 'claimed', resourceId } : this.claim(request, resourceId);
  }

  /** The resource exists: later requests with this key replay it. */
  async complete(request: IdempotencyRequest, resourceId: string): Promise<void> {
    await this.prisma.idempotencyKey.updateMany({
      where: { scope: request.scope, key: request.key, resourceId },
      data: { completedAt: new Date() },
    });
  }

  /** Creating the resource failed: forget the claim, so that a retry with the same key can create it. */
  async release(request: IdempotencyRequest, resourceId: string): Promise<void> {
    await this.prisma.idempotencyKey.deleteMany({
      where: { scope: request.scope, key: request.key, resourceId, completedAt: null },
    });
  }

  /** The claim as stored, for tests and operators. */
  async find(scope: string, key: string) {
    return this.prisma.idempotencyKey.findUnique({ where: { scope_key: { scope, key } } });
  }

  /** Drops this key if it expired, and a bounded batch of other expired keys. */
  private async deleteExpired(request: IdempotencyRequest): Promise<void> {
    const now = new Date();
    await this.prisma.idempotencyKey.deleteMany({
      where: { scope: request.scope, key: request.key, expiresAt: { lt: now } },
    });
    await this.prisma.$executeRaw`
      DELETE FROM "idempotency_keys" WHERE ctid IN (
        SELECT ctid FROM "idempotency_keys" WHERE "expires_at" < ${now} LIMIT ${EXPIRED_DELETED_PER_CLAIM}
      )`;
  }
}
