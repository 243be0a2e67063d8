import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What a caller's own id may look like: short, and nothing that could forge a log line or a header. */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * The request's id (Fastify's `genReqId`): the caller's X-Request-Id when it is a plausible id, so a
 * request can be followed through a proxy, else a fresh UUID. It labels every log line of the request
 * (`requestId`) and reaches the jobs the request submits.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && CALLER_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Every response says which request it answers (X-Request-Id). Set as the request arrives, so that
 * event streams (which take the response over) carry it too; the errors Fastify answers before any
 * hook runs (a malformed URL) get it from the framework error handler.
 */
async function requestIdPlugin(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
}

export default fp(requestIdPlugin, { name: 'request-id' });
