import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { tenantIdSchema } from '@lab/contracts';
import { toBytes } from './db-values.ts';
import type { PrismaClient } from './generated/client.ts';

/** `tenant`: acts for one tenant on /v1; `admin`: manages keys; `metrics`: reads /metrics only. */
export type ApiKeyScope = 'tenant' | 'admin' | 'metrics';

/** A key as listings show it: never its secret, which is shown once, when it is created. */
export interface ApiKeyRecord {
  id: string;
  /** `lab_<publicId>_…`: what identifies a key to an operator without revealing it. */
  prefix: string;
  scope: ApiKeyScope;
  /** The tenant a `tenant` key acts for; null for the other scopes. */
  tenantId: string | null;
  name: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Who a presented key authenticates. */
export interface ApiKeyIdentity {
  keyId: string;
  scope: ApiKeyScope;
  tenantId: string | null;
}

const KEY_PREFIX = 'lab_';
/** 48 random bits, hex: unique enough to find a row, and harmless to show. */
const PUBLIC_ID_BYTES = 6;
/** 256 random bits: what makes a key unguessable (and a fast hash sufficient to store it). */
const SECRET_BYTES = 32;
/** `lab_` + 12 hex digits + `_` + 43 base64url characters; anything else is no key of ours. */
const KEY_FORMAT = /^lab_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;
/** The longest a key can be; callers may refuse longer input before hashing anything. */
export const API_KEY_LENGTH = KEY_PREFIX.length + PUBLIC_ID_BYTES * 2 + 1 + Math.ceil((SECRET_BYTES * 8) / 6);

const sha256 = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

const toRecord = (row: {
  id: string;
  publicId: string;
  scope: ApiKeyScope;
  tenantId: string | null;
  name: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}): ApiKeyRecord => ({
  id: row.id,
  prefix: `${KEY_PREFIX}${row.publicId}_…`,
  scope: row.scope,
  tenantId: row.tenantId,
  name: row.name,
  createdAt: row.createdAt,
  revokedAt: row.revokedAt,
});

/**
 * API keys and the tenants they act for. A key is `lab_<publicId>_<secret>`; only its sha256 is
 * stored. Verification finds the row by the public id (so the lookup never depends on the secret) and
 * compares the hashes in constant time.
 */
export class ApiKeys {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Creates a key (and its tenant, for a tenant key, if new) and returns it with its record: the
   * only time the key itself exists outside the caller's hands.
   */
  async create(
    input: { scope: 'tenant'; tenantId: string; name?: string } | { scope: 'admin' | 'metrics'; name?: string },
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    const publicId = randomBytes(PUBLIC_ID_BYTES).toString('hex');
    const key = `${KEY_PREFIX}${publicId}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
    const tenantId = input.scope === 'tenant' ? tenantIdSchema.parse(input.tenantId) : null;
    const row = await this.prisma.$transaction(async (tx) => {
      if (tenantId !== null) await tx.tenant.upsert({ where: { id: tenantId }, create: { id: tenantId }, update: {} });
      return tx.apiKey.create({
        data: { id: randomUUID(), publicId, secretHash: toBytes(sha256(key)), scope: input.scope, tenantId, name: input.name ?? null },
      });
    });
    return { key, record: toRecord(row) };
  }

  /** Who `key` authenticates; null for anything malformed, unknown or revoked (callers must not say which). */
  async verify(key: string): Promise<ApiKeyIdentity | null> {
    const publicId = KEY_FORMAT.exec(key)?.[1];
    if (publicId === undefined) return null;
    const row = await this.prisma.apiKey.findUnique({
      where: { publicId },
      select: { id: true, secretHash: true, scope: true, tenantId: true, revokedAt: true },
    });
    if (row === null || !timingSafeEqual(sha256(key), row.secretHash) || row.revokedAt !== null) return null;
    return { keyId: row.id, scope: row.scope, tenantId: row.tenantId };
  }

  /** Every key (one tenant's with `tenantId`), oldest first. */
  async list(filter: { tenantId?: string } = {}): Promise<ApiKeyRecord[]> {
    const rows = await this.prisma.apiKey.findMany({
      where: filter.tenantId === undefined ? {} : { tenantId: filter.tenantId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toRecord);
  }

  /** Revokes a key at once (revoking twice keeps the first time); null when no key has this id. */
  async revoke(id: string): Promise<ApiKeyRecord | null> {
    await this.prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    const row = await this.prisma.apiKey.findUnique({ where: { id } });
    return row === null ? null : toRecord(row);
  }

  /** Keys that still authenticate, of any scope (to tell an operator when there are none). */
  async countActive(): Promise<number> {
    return this.prisma.apiKey.count({ where: { revokedAt: null } });
  }
}
