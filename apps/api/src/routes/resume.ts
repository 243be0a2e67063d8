import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { experimentSchema, idParamsSchema, RESUMABLE_STATUSES, resumeRequestSchema } from '@lab/contracts';
import { conflict, errorResponses, HttpError, notFound } from '../http-errors.ts';
import { responseOf } from '../openapi/responses.ts';

/** Resume and extend: a finished run trains on from its last checkpoint. */
const resumeRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/experiments/:id/resume',
    {
      schema: {
        tags: ['experiments'],
        operationId: 'resumeExperiment',
        summary: 'Train a completed, cancelled or pruned run on to `epochs` epochs in all, from its last checkpoint',
        description:
          'The run is queued again and ends exactly where an uninterrupted run of `epochs` epochs would (same metrics, ' +
          'same backend). It trains to exactly `epochs`: its early stopping and its sweep\'s pruning no longer apply. ' +
          'Its spec before the resume is kept in `resumes`; a completed run\'s evaluation, predictions and model are ' +
          'replaced when it completes again. 409 while it is queued or running (or once it failed); `epochs` must be ' +
          'more than the epochs it has trained.',
        params: idParamsSchema,
        body: resumeRequestSchema,
        response: { 202: responseOf(experimentSchema, 'The experiment, queued again'), ...errorResponses(400, 404, 409, 413, 415, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { epochs } = request.body;
      const result = await app.engine.resumeExperiment(request.tenantId, id, epochs);
      switch (result.outcome) {
        case 'not-found':
          throw notFound('Experiment');
        case 'wrong-state':
          throw conflict(`Only a ${RESUMABLE_STATUSES.join(', ')} run can be resumed; this one is ${result.status}`);
        case 'too-few-epochs':
          throw new HttpError(400, 'validation_error', 'Request validation failed', [
            { path: 'body.epochs', message: `must be more than the ${result.epochsDone} epochs the run has already trained` },
          ]);
        case 'resumed': {
          const experiment = await app.reads.experiments.get(request.tenantId, id);
          if (experiment === null) throw notFound('Experiment');
          return reply.code(202).send(experiment);
        }
      }
    },
  );
};

export default resumeRoutes;
