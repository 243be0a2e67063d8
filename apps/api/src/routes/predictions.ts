import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  idParamsSchema,
  predictionRequestSchema,
  predictionResponseSchema,
  storedPredictionsQuerySchema,
  storedPredictionsResponseSchema,
} from '@lab/contracts';
import { errorResponses } from '../http-errors.ts';
import { assertCompleted, findExperiment } from './experiment-lookup.ts';

/** Predictions: new images classified on demand, and the test-set predictions stored by training. */
const predictionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/experiments/:id/predictions',
    {
      schema: {
        tags: ['predictions'],
        summary: 'Classify images (784 values or 28×28, pixels 0–255) with the trained model',
        params: idParamsSchema,
        body: predictionRequestSchema,
        response: { 200: predictionResponseSchema, ...errorResponses(400, 404, 409, 413, 415, 500) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const predictions = await app.predictor.predict(request.tenantId, id, request.body.images);
      return { experimentId: id, predictions };
    },
  );

  app.get(
    '/experiments/:id/predictions',
    {
      schema: {
        tags: ['predictions'],
        summary: 'Stored test-set predictions (index, true class, predicted class), once completed',
        params: idParamsSchema,
        querystring: storedPredictionsQuerySchema,
        response: { 200: storedPredictionsResponseSchema, ...errorResponses(400, 404, 409, 500) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { offset, limit } = request.query;
      assertCompleted(await findExperiment(app, request, id), 'test-set prediction list');
      const page = await app.reads.experiments.storedPredictions(request.tenantId, id, { offset, limit });
      return { experimentId: id, total: page.total, limit, offset, items: page.items };
    },
  );
};

export default predictionRoutes;
