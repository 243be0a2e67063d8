import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import fastifyRateLimit from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import { HttpError } from '../../http-errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key the request authenticated with; undefined without one (auth disabled, open routes). */
    apiKeyId: string | undefined;
  }
}

export interface RateLimitOptions {
  redisUrl: string;
  /** Its keys live under `<queuePrefix>:rate-limit:`, beside the queue's. */
  queuePrefix: string;
  /** Requests per window, per key (per address without one). */
  max: number;
  windowMs: number;
}

/** How long startup waits for Redis before serving without limits until it answers. */
const CONNECT_WAIT_MS = 1_000;

/**
 * @fastify/rate-limit on Redis, so a limit holds across every API instance. It decorates the app with
 * `rateLimit()` (the per-key hook the guarded route groups add after authentication) and
 * `createRateLimit()` (what authentication counts wrong keys with). Fixed windows; answers carry the
 * `RateLimit-*` headers, a 429 also `Retry-After`. Redis being away must not take the API down with
 * it (submissions work without Redis), so limits are skipped until it answers again.
 */
async function rateLimitPlugin(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  // Its own connection, failing at once while Redis is away instead of queueing requests behind it.
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: CONNECT_WAIT_MS });
  redis.on('error', (error) => app.log.debug({ err: error }, 'rate-limit redis connection error'));
  app.decorateRequest('apiKeyId', undefined);
  await app.register(fastifyRateLimit, {
    global: false,
    redis,
    nameSpace: `${options.queuePrefix}:rate-limit:`,
    skipOnError: true,
    enableDraftSpec: true,
    max: options.max,
    timeWindow: options.windowMs,
    keyGenerator: (request) => (request.apiKeyId === undefined ? `address:${request.ip}` : `key:${request.apiKeyId}`),
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `Too many requests: at most ${context.max} per ${options.windowMs / 1000} s; retry in ${context.after}`),
  });
  app.addHook('onReady', async () => {
    if (redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, CONNECT_WAIT_MS);
      redis.once('ready', done);
    });
  });
  app.addHook('onClose', async () => {
    redis.disconnect();
  });
}

export default fp(rateLimitPlugin, { name: 'rate-limit' });
