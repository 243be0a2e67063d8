import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
 * Every response says which request it answers (X-Request-Id): set as the request arrives, so that
 * event streams (which take the response over) carry it too, and again as it is sent, for the errors
 * Fastify answers before any hook ran (a malformed URL).
 */
async function requestIdPlugin(app: FastifyInstance): Promise<void> {
  const label = (request: FastifyRequest, reply: FastifyReply) => void reply.header(REQUEST_ID_HEADER, request.id);
  app.addHook('onRequest', async (request, reply) => label(request, reply));
  app.addHook('onSend', async (request, reply, payload) => {
    label(request, reply);
    return payload;
  });
}

export default fp(requestIdPlugin, { name: 'request-id' });
