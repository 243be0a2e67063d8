import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { historyQuerySchema, historySchema, idParamsSchema } from '@lab/contracts';
import { errorResponses } from '../http-errors.ts';
import { JSON_TYPE, sendVersioned } from '../http-cache.ts';
import { versionedResponses } from '../openapi/responses.ts';
import { findExperiment, VERSIONED_READ } from './experiment-lookup.ts';

/** The index of the first epoch after `afterEpoch` in ascending epoch numbers (binary search). */
function firstAfter(epochNumbers: readonly number[], afterEpoch: number): number {
  let low = 0;
  let high = epochNumbers.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (epochNumbers[middle]! <= afterEpoch) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Per-epoch metrics; `afterEpoch` lets a poller fetch only what is new. */
const historyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/experiments/:id/history',
    {
      schema: {
        tags: ['experiments'],
        operationId: 'getHistory',
        summary: 'Epoch metrics so far, in order (only epochs after `afterEpoch` when given)',
        description: `The epoch number is the cursor, as for the event stream's ids. ${VERSIONED_READ}`,
        params: idParamsSchema,
        querystring: historyQuerySchema,
        response: { ...versionedResponses(historySchema, 'The epochs stored so far'), ...errorResponses(400, 404, 500) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { experiment, version } = await findExperiment(app, request, id);
      return sendVersioned(request, reply, `"h${version}"`, async () => {
        const history = await app.cachedReads.history(request.tenantId, id, version);
        const from = request.query.afterEpoch === undefined ? 0 : firstAfter(history.epochNumbers, request.query.afterEpoch);
        // Assembled from each epoch's JSON, serialized once when it was first read.
        const body = `{"experimentId":${JSON.stringify(id)},"status":${JSON.stringify(experiment.status)},"epochs":[${history.epochs.slice(from).join(',')}]}`;
        return { body, type: JSON_TYPE };
      });
    },
  );
};

export default historyRoutes;
