import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { historyQuerySchema, historySchema, idParamsSchema } from '@lab/contracts';
import { errorResponses } from '../http-errors.ts';
import { findExperiment } from './experiment-lookup.ts';

/** Per-epoch metrics; `afterEpoch` lets a poller fetch only what is new. */
const historyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/experiments/:id/history',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Epoch metrics so far, in order (only epochs after `afterEpoch` when given)',
        params: idParamsSchema,
        querystring: historyQuerySchema,
        response: { 200: historySchema, ...errorResponses(400, 404, 500) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const experiment = await findExperiment(app, request, id);
      const epochs = await app.reads.experiments.history(request.tenantId, id, request.query.afterEpoch);
      return { experimentId: id, status: experiment.status, epochs };
    },
  );
};

export default historyRoutes;
