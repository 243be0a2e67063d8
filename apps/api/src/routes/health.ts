import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBodySchema, healthSchema, readinessSchema } from '@lab/contracts';
import { errorBody, errorResponses } from '../http-errors.ts';
import { withTimeout } from '@lab/runs';

/** A dependency that does not answer within this is reported down: probes must answer quickly. */
const READINESS_TIMEOUT_MS = 1_000;

/** The 503 body: the common error shape, plus the checks in the same form as the 200 body. */
const notReadySchema = errorBodySchema.extend(readinessSchema.shape);

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
        security: [],
        summary: 'Liveness: the process is up',
        response: { 200: healthSchema, ...errorResponses(500) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        security: [],
        summary: 'Readiness: Postgres and Redis answer',
        response: { 200: readinessSchema, 503: notReadySchema, ...errorResponses(500) },
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
        .send({ ...errorBody('not_ready', 'A dependency is unavailable', down), status: 'unavailable', checks });
    },
  );
};

export default healthRoutes;
