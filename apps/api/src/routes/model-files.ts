import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParamsSchema, MODEL_WEIGHTS_FILE, modelJson, modelJsonSchema } from '@lab/contracts';
import { JSON_TYPE, sendVersioned } from '../http-cache.ts';
import { conflict, errorResponses, notFound } from '../http-errors.ts';
import { versionedResponses } from '../openapi/responses.ts';
import { assertCompleted } from './experiment-lookup.ts';

const weightFile = z.string().meta({ format: 'binary' });

const CACHING =
  'Answers with an ETag (the sha256 of the content) and `Cache-Control: no-cache`; `If-None-Match` with it answers 304. ' +
  'A resumed run that completes again serves its new model under a new ETag.';

/**
 * A completed run's model in TensorFlow.js' Layers format, for stock `tf.loadLayersModel(url)` in Node
 * or a browser: model.json names its one weight file relative to itself, so tfjs fetches it from beside
 * model.json (with model.json's query string copied onto it, which these routes ignore). The topology
 * is the inference model: the same network without its ActivityRegularization layers (see
 * contracts' model-files.ts), so no code of this project is needed to load it.
 */
const modelFileRoutes: FastifyPluginAsyncZod = async (app) => {
  /** The tenant's completed experiment's stored model (without its weight bytes), or the 404/409 that says why not. */
  const manifestOf = async (tenantId: string, id: string) => {
    const experiment = await app.reads.experiments.get(tenantId, id);
    if (experiment === null) throw notFound('Experiment');
    assertCompleted(experiment, 'model');
    const manifest = await app.reads.experiments.modelManifest(tenantId, id);
    if (manifest === null) throw conflict('The experiment has no stored model');
    return manifest;
  };

  app.get(
    '/experiments/:id/model/model.json',
    {
      schema: {
        tags: ['predictions'],
        operationId: 'getModelJson',
        summary: 'The trained model for tf.loadLayersModel: topology and weight manifest (once completed)',
        description: `The weights it names are at \`${MODEL_WEIGHTS_FILE}\` beside it. ${CACHING}`,
        params: idParamsSchema,
        response: { ...versionedResponses(modelJsonSchema, "tfjs' model.json: the topology and the weights' manifest"), ...errorResponses(400, 404, 409, 500) },
      },
    },
    async (request, reply) => {
      const body = JSON.stringify(modelJson(await manifestOf(request.tenantId, request.params.id)));
      const etag = `"${createHash('sha256').update(body).digest('hex')}"`;
      return sendVersioned(request, reply, etag, () => ({ body, type: JSON_TYPE }));
    },
  );

  app.get(
    `/experiments/:id/model/${MODEL_WEIGHTS_FILE}`,
    {
      schema: {
        tags: ['predictions'],
        operationId: 'getModelWeights',
        summary: 'The trained model\'s weights, the file model.json names (once completed)',
        description: CACHING,
        params: idParamsSchema,
        response: {
          ...versionedResponses(weightFile, "tfjs' binary weight file: every tensor of model.json's manifest, in its order", 'application/octet-stream'),
          ...errorResponses(400, 404, 409, 500),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { weightsSha256 } = await manifestOf(request.tenantId, id);
      return sendVersioned(request, reply, `"${weightsSha256}"`, async () => {
        const weights = await app.reads.experiments.modelWeights(request.tenantId, id);
        if (weights === null) throw conflict('The experiment has no stored model');
        return { body: Buffer.from(weights.data.buffer, weights.data.byteOffset, weights.data.byteLength), type: 'application/octet-stream' };
      });
    },
  );
};

export default modelFileRoutes;
