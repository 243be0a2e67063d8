import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  idParamsSchema,
  predictionRequestSchema,
  predictionResponseSchema,
  storedPredictionsQuerySchema,
  storedPredictionsResponseSchema,
} from '@lab/contracts';
import { errorResponses } from '../http-errors.ts';
import { JSON_TYPE, sendVersioned } from '../http-cache.ts';
import { responseOf, versionedResponses } from '../openapi/responses.ts';
import { assertCompleted, findExperiment, VERSIONED_READ } from './experiment-lookup.ts';

/** Predictions: new images classified on demand, and the test-set predictions stored by training. */
const predictionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/experiments/:id/predictions',
    {
      schema: {
        tags: ['predictions'],
        operationId: 'classifyImages',
        summary: 'Classify images (784 values or 28×28, pixels 0–255) with the trained model',
        params: idParamsSchema,
        body: predictionRequestSchema,
        response: { 200: responseOf(predictionResponseSchema, 'One prediction per image, in order'), ...errorResponses(400, 404, 409, 413, 415, 500) },
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
        operationId: 'listStoredPredictions',
        summary: 'Stored test-set predictions (index, true class, predicted class), once completed',
        description: VERSIONED_READ,
        params: idParamsSchema,
        querystring: storedPredictionsQuerySchema,
        response: { ...versionedResponses(storedPredictionsResponseSchema, 'A page of the stored predictions'), ...errorResponses(400, 404, 409, 500) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { offset, limit } = request.query;
      const { experiment, version } = await findExperiment(app, request, id);
      assertCompleted(experiment, 'test-set prediction list');
      return sendVersioned(request, reply, `"p${version}"`, async () => {
        const body = await app.cachedReads.derived(request.tenantId, id, `predictions?${offset}&${limit}`, version, async () => {
          const page = await app.reads.experiments.storedPredictions(request.tenantId, id, { offset, limit });
          return JSON.stringify(storedPredictionsResponseSchema.parse({ experimentId: id, total: page.total, limit, offset, items: page.items }));
        });
        return { body, type: JSON_TYPE };
      });
    },
  );
};

export default predictionRoutes;
