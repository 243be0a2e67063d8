import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParamsSchema, MAX_TEST_EXAMPLES } from '@lab/contracts';
import { renderAccuracyPlot, renderLossPlot, renderPredictionsPlot } from '@lab/plots';
import { errorResponses } from '../http-errors.ts';
import { assertCompleted, findExperiment } from './experiment-lookup.ts';

const svgDocument = z.string().describe('An SVG document (image/svg+xml)');
const SVG = 'image/svg+xml; charset=utf-8';

const predictionsPlotQuerySchema = z.strictObject({
  /** The seed plots the first 150 test images. */
  limit: z.coerce.number().int().min(1).max(1000).default(150),
  offset: z.coerce.number().int().min(0).max(MAX_TEST_EXAMPLES).default(0),
});

/** The seed's plots, rendered server-side: loss and accuracy per epoch (live while training), predictions. */
const plotRoutes: FastifyPluginAsyncZod = async (app) => {
  for (const [name, render, title] of [
    ['loss', renderLossPlot, 'Loss: training and validation'],
    ['accuracy', renderAccuracyPlot, 'Accuracy: training and validation'],
  ] as const) {
    app.get(
      `/experiments/:id/plots/${name}.svg`,
      {
        schema: {
          tags: ['plots'],
          summary: `${title} per epoch, as SVG (so far, while the run is going)`,
          params: idParamsSchema,
          response: { 200: svgDocument, ...errorResponses(400, 404, 500) },
        },
      },
      async (request, reply) => {
        const experiment = await findExperiment(app, request, request.params.id);
        const history = await app.reads.experiments.history(request.tenantId, experiment.id);
        const label = experiment.name ?? `λ = ${experiment.spec.lambda}`;
        return reply.type(SVG).send(await render(history, { title: `${title} — ${label}` }));
      },
    );
  }

  app.get(
    '/experiments/:id/plots/predictions.svg',
    {
      schema: {
        tags: ['plots'],
        summary: 'True vs predicted class of test images (the first 150 by default), as SVG',
        params: idParamsSchema,
        querystring: predictionsPlotQuerySchema,
        response: { 200: svgDocument, ...errorResponses(400, 404, 409, 500) },
      },
    },
    async (request, reply) => {
      const experiment = await findExperiment(app, request, request.params.id);
      assertCompleted(experiment, 'predictions plot');
      const { items } = await app.reads.experiments.storedPredictions(request.tenantId, experiment.id, request.query);
      const title = `Test images ${request.query.offset}–${request.query.offset + items.length - 1}: true vs predicted class`;
      return reply.type(SVG).send(await renderPredictionsPlot(items, { title }));
    },
  );
};

export default plotRoutes;
