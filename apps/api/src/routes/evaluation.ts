import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { evaluationResponseSchema, idParamsSchema } from '@lab/contracts';
import { conflict, errorResponses } from '../http-errors.ts';
import { assertCompleted, findExperiment } from './experiment-lookup.ts';

/** The final evaluation of a completed experiment. */
const evaluationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/experiments/:id/evaluation',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Train/test loss and accuracy, confusion matrix, per-class accuracy (once completed)',
        params: idParamsSchema,
        response: { 200: evaluationResponseSchema, ...errorResponses(400, 404, 409, 500) },
      },
    },
    async (request) => {
      const { id } = request.params;
      assertCompleted(await findExperiment(app, request, id), 'evaluation');
      const evaluation = await app.reads.experiments.evaluation(request.tenantId, id);
      if (evaluation === null) throw conflict('The experiment has no stored evaluation');
      return { ...evaluation, experimentId: id };
    },
  );
};

export default evaluationRoutes;
