import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { healthSchema, notReadySchema, readinessSchema } from '@lab/contracts';
import { errorBody, errorResponses, RETRY_AFTER_UNAVAILABLE_SECONDS } from '../http-errors.ts';
import { RETRY_AFTER } from '../openapi/headers.ts';
import { responseOf } from '../openapi/responses.ts';
import { withTimeout } from '@lab/runs';

/** A dependency that does not answer within this is reported down: probes must answer quickly. */
const READINESS_TIMEOUT_MS = 1_000;

/** True when `check` succeeds within the timeout; why it did not goes to the log, not the client. */
const answers = (check: () => Promise<unknown>, what: string, log: FastifyBaseLogger): Promise<boolean> =>
  withTimeout(check(), READINESS_TIMEOUT_MS, what).then(
    () => true,
    (error: unknown) => {
      log.warn({ err: error }, `readiness: ${what} is unavailable`);
      return false;
    },
  );

/** Liveness (the process answers) and readiness (Postgres and Redis answer too). */
const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        operationId: 'getHealth',
        security: [],
        summary: 'Liveness: the process is up',
        response: { 200: responseOf(healthSchema, 'The process is up'), ...errorResponses(500) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        operationId: 'getReadiness',
        security: [],
        summary: 'Readiness: Postgres and Redis answer',
        response: {
          200: responseOf(readinessSchema, 'Postgres and Redis answer'),
          503: responseOf(notReadySchema, 'A dependency did not answer: `details` and `checks` say which', { headers: { 'Retry-After': RETRY_AFTER } }),
          ...errorResponses(500),
        },
      },
    },
    async (request, reply) => {
      const [postgres, redis] = await Promise.all([
        answers(() => app.prisma.$queryRaw`SELECT 1`, 'postgres', request.log),
        answers(() => app.trainingQueue.ping(), 'redis', request.log),
      ]);
      const checks = { postgres, redis };
      if (postgres && redis) return reply.code(200).send({ status: 'ok', checks });
      const down = Object.entries(checks)
        .filter(([, ok]) => !ok)
        .map(([name]) => ({ path: name, message: 'did not answer' }));
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_UNAVAILABLE_SECONDS))
        .send({ ...errorBody('not_ready', 'A dependency is unavailable', down), status: 'unavailable', checks });
    },
  );
};

export default healthRoutes;
