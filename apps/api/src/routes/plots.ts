import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParamsSchema, MAX_TEST_EXAMPLES } from '@lab/contracts';
import { renderAccuracyPlot, renderLossPlot, renderPredictionsPlot } from '@lab/plots';
import { errorResponses } from '../http-errors.ts';
import { sendVersioned } from '../http-cache.ts';
import { versionedResponses } from '../openapi/responses.ts';
import { assertCompleted, findExperiment, VERSIONED_READ } from './experiment-lookup.ts';

const SVG = 'image/svg+xml; charset=utf-8';

const predictionsPlotQuerySchema = z.strictObject({
  /** The seed plots the first 150 test images. */
  limit: z.coerce.number().int().min(1).max(1000).default(150),
  offset: z.coerce.number().int().min(0).max(MAX_TEST_EXAMPLES).default(0),
});

/** The seed's plots, rendered server-side: loss and accuracy per epoch (live while training), predictions. */
const plotRoutes: FastifyPluginAsyncZod = async (app) => {
  for (const [name, render, title, operationId] of [
    ['loss', renderLossPlot, 'Loss: training and validation', 'getLossPlot'],
    ['accuracy', renderAccuracyPlot, 'Accuracy: training and validation', 'getAccuracyPlot'],
  ] as const) {
    app.get(
      `/experiments/:id/plots/${name}.svg`,
      {
        schema: {
          tags: ['plots'],
          operationId,
          summary: `${title} per epoch, as SVG (so far, while the run is going)`,
          description: VERSIONED_READ,
          params: idParamsSchema,
          response: { ...versionedResponses(z.string(), 'The plot, an SVG document', 'image/svg+xml'), ...errorResponses(400, 404, 500) },
        },
      },
      async (request, reply) => {
        const { experiment, version } = await findExperiment(app, request, request.params.id);
        return sendVersioned(request, reply, `"${name}${version}"`, async () => {
          const body = await app.cachedReads.derived(request.tenantId, experiment.id, `${name}-plot`, version, async () => {
            const history = await app.reads.experiments.history(request.tenantId, experiment.id);
            const label = experiment.name ?? `λ = ${experiment.spec.lambda}`;
            return render(history, { title: `${title} — ${label}` });
          });
          return { body, type: SVG };
        });
      },
    );
  }

  app.get(
    '/experiments/:id/plots/predictions.svg',
    {
      schema: {
        tags: ['plots'],
        operationId: 'getPredictionsPlot',
        summary: 'True vs predicted class of test images (the first 150 by default), as SVG',
        description: VERSIONED_READ,
        params: idParamsSchema,
        querystring: predictionsPlotQuerySchema,
        response: { ...versionedResponses(z.string(), 'The plot, an SVG document', 'image/svg+xml'), ...errorResponses(400, 404, 409, 500) },
      },
    },
    async (request, reply) => {
      const { experiment, version } = await findExperiment(app, request, request.params.id);
      assertCompleted(experiment, 'predictions plot');
      const { offset, limit } = request.query;
      return sendVersioned(request, reply, `"pp${version}"`, async () => {
        const body = await app.cachedReads.derived(request.tenantId, experiment.id, `predictions-plot?${offset}&${limit}`, version, async () => {
          const { items } = await app.reads.experiments.storedPredictions(request.tenantId, experiment.id, { offset, limit });
          return renderPredictionsPlot(items, { title: `Test images ${offset}–${offset + items.length - 1}: true vs predicted class` });
        });
        return { body, type: SVG };
      });
    },
  );
};

export default plotRoutes;
