import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { IdempotencyInput } from '@lab/runs';

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

/**
 * The request's Idempotency-Key, scoped to its route (the engine adds the tenant): the same key on
 * two routes is two keys. Undefined without the header.
 */
export function idempotencyOf(request: FastifyRequest): IdempotencyInput | undefined {
  const key = request.headers[IDEMPOTENCY_KEY_HEADER];
  return typeof key === 'string' ? { scope: `${request.method} ${request.routeOptions.url}`, key } : undefined;
}
