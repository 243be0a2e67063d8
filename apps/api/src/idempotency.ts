import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { IdempotencyKeyRepository, type IdempotencyRequest } from '@lab/db';
import { HttpError } from './http-errors.ts';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Set on a response that replays what an earlier request with the same key created. */
export const IDEMPOTENT_REPLAY_HEADER = 'idempotent-replayed';

/** Route `headers` schema for create routes; loose, since every other header passes through. */
export const idempotencyHeadersSchema = z.looseObject({
  [IDEMPOTENCY_KEY_HEADER]: z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 visible ASCII characters')
    .optional()
    .describe('Makes the request safe to retry: the same key with the same body returns the original resource'),
});

/** Keys are remembered a day; a claim whose request died without finishing is abandoned after a minute. */
const POLICY = { ttlMs: 24 * 3600 * 1000, abandonedAfterMs: 60_000 };
/** A duplicate that arrives while the first request is still creating waits this long for it. */
const IN_PROGRESS_WAIT_MS = 10_000;
const IN_PROGRESS_POLL_MS = 50;

/**
 * Runs `create(resourceId)` at most once per Idempotency-Key (scoped to the route): a repeat with the
 * same body gets the first resource's id back (`replayed`), one with another body is a 409, and
 * concurrent duplicates wait for the first. Without the header, it simply creates.
 */
export async function createIdempotently(
  app: FastifyInstance,
  request: FastifyRequest,
  create: (resourceId: string) => Promise<void>,
): Promise<{ resourceId: string; replayed: boolean }> {
  const header = request.headers[IDEMPOTENCY_KEY_HEADER];
  if (typeof header !== 'string') {
    const resourceId = randomUUID();
    await create(resourceId);
    return { resourceId, replayed: false };
  }
  const keys = new IdempotencyKeyRepository(app.prisma, POLICY);
  const idempotency: IdempotencyRequest = {
    scope: `${request.method} ${request.routeOptions.url}`,
    key: header,
    requestHash: requestHash(request.body),
  };
  const deadline = Date.now() + IN_PROGRESS_WAIT_MS;
  for (;;) {
    const claim = await keys.claim(idempotency, randomUUID());
    switch (claim.outcome) {
      case 'claimed':
        try {
          await create(claim.resourceId);
        } catch (error) {
          await keys.release(idempotency, claim.resourceId);
          throw error;
        }
        await keys.complete(idempotency, claim.resourceId);
        return { resourceId: claim.resourceId, replayed: false };
      case 'replay':
        return { resourceId: claim.resourceId, replayed: true };
      case 'conflict':
        throw new HttpError(409, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request body', [
          { path: `headers.${IDEMPOTENCY_KEY_HEADER}`, message: 'already used with a different request body' },
        ]);
      case 'in-progress':
        if (Date.now() > deadline) {
          throw new HttpError(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed; retry later');
        }
        await sleep(IN_PROGRESS_POLL_MS);
    }
  }
}

/** sha256 of the body as canonical JSON (keys sorted), so key order does not make two bodies differ. */
function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body, sortedKeys) ?? '').digest('hex');
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
