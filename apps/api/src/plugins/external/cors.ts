import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import cors from '@fastify/cors';

/**
 * Cross-origin requests to the whole API (@fastify/cors), preflights included: a page on another
 * origin — a notebook, a front end loading a trained model with `tf.loadLayersModel(url, { requestInit:
 * { headers } })` — may call it with its API key in the Authorization header. By default any origin
 * is allowed: what a request may do is decided by its key, which a browser never adds by itself (the
 * API uses no cookies), so a foreign page reads only with a key its user gave it. CORS_ORIGINS narrows
 * it to a list (the answer then names the caller's origin when it is on the list, and nothing else).
 */
async function corsPlugin(app: FastifyInstance, options: { origins: '*' | string[] }): Promise<void> {
  await app.register(cors, {
    origin: options.origins,
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-none-match', 'last-event-id', 'x-request-id'],
    exposedHeaders: ['etag', 'location', 'idempotent-replayed', 'retry-after', 'x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
    // Browsers cache a preflight's answer this long (seconds).
    maxAge: 600,
    // A bare OPTIONS (no preflight headers) gets the same 204, not the plugin's plain-text 400, which
    // would break the API's one error shape.
    strictPreflight: false,
  });
}

export default fp(corsPlugin, { name: 'cors' });
