import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { evaluationResponseSchema, idParamsSchema } from '@lab/contracts';
import { conflict, errorResponses } from '../http-errors.ts';
import { JSON_TYPE, sendVersioned } from '../http-cache.ts';
import { versionedResponses } from '../openapi/responses.ts';
import { assertCompleted, findExperiment, VERSIONED_READ } from './experiment-lookup.ts';

/** The final evaluation of a completed experiment. */
const evaluationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/experiments/:id/evaluation',
    {
      schema: {
        tags: ['experiments'],
        operationId: 'getEvaluation',
        summary: 'Train/test loss and accuracy, confusion matrix, per-class accuracy (once completed)',
        description: VERSIONED_READ,
        params: idParamsSchema,
        response: { ...versionedResponses(evaluationResponseSchema, 'The evaluation'), ...errorResponses(400, 404, 409, 500) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { experiment, version } = await findExperiment(app, request, id);
      assertCompleted(experiment, 'evaluation');
      return sendVersioned(request, reply, `"e${version}"`, async () => {
        const body = await app.cachedReads.derived(request.tenantId, id, 'evaluation', version, async () => {
          const evaluation = await app.reads.experiments.evaluation(request.tenantId, id);
          return evaluation === null ? null : JSON.stringify(evaluationResponseSchema.parse({ ...evaluation, experimentId: id }));
        });
        if (body === null) throw conflict('The experiment has no stored evaluation');
        return { body, type: JSON_TYPE };
      });
    },
  );
};

export default evaluationRoutes;
