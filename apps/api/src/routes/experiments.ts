import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createdExperimentSchema,
  experimentListSchema,
  experimentSchema,
  experimentSpecSchema,
  idParamsSchema,
  listExperimentsQuerySchema,
} from '@lab/contracts';
import { conflict, errorResponses, notFound } from '../http-errors.ts';
import { JSON_TYPE, sendVersioned } from '../http-cache.ts';
import { IDEMPOTENT_REPLAYED, LOCATION } from '../openapi/headers.ts';
import { responseOf, versionedResponses } from '../openapi/responses.ts';
import { IDEMPOTENT_REPLAY_HEADER, idempotencyHeadersSchema, idempotencyOf } from '../idempotency.ts';
import { findExperiment, VERSIONED_READ } from './experiment-lookup.ts';

/** Experiments: submit, list, read, cancel. */
const experimentRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/experiments',
    {
      schema: {
        tags: ['experiments'],
        operationId: 'createExperiment',
        summary: 'Submit an experiment: stored, then queued for training',
        description:
          'Answers 202 once the experiment is stored in Postgres, even while the queue (Redis) is away: it is ' +
          'queued as soon as Redis answers. With an Idempotency-Key header, a repeat of the same request (same key ' +
          'and body) answers 202 with the experiment the first one created and its current status (header ' +
          'Idempotent-Replayed: true); the same key with another body is a 409.',
        headers: idempotencyHeadersSchema,
        body: experimentSpecSchema,
        response: {
          202: responseOf(createdExperimentSchema, 'Stored, and queued for training', { headers: { Location: LOCATION, 'Idempotent-Replayed': IDEMPOTENT_REPLAYED } }),
          ...errorResponses(400, 409, 413, 415, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const { id, replayed } = await app.engine.submitExperiment({
        ownerId: request.tenantId,
        spec: request.body,
        idempotency: idempotencyOf(request),
        requestId: request.id,
      });
      if (replayed) reply.header(IDEMPOTENT_REPLAY_HEADER, 'true');
      const status = replayed ? (await findExperiment(app, request, id)).experiment.status : 'queued';
      return reply.code(202).header('location', `${app.prefix}/experiments/${id}`).send({ id, status });
    },
  );

  app.get(
    '/experiments',
    {
      schema: {
        tags: ['experiments'],
        operationId: 'listExperiments',
        summary: 'List experiments, newest first (those of one sweep with `sweepId`)',
        description: 'Answers with an ETag and `Cache-Control: no-cache`; a matching `If-None-Match` answers 304.',
        querystring: listExperimentsQuerySchema,
        response: { ...versionedResponses(experimentListSchema, 'A page of experiments'), ...errorResponses(400, 500) },
      },
    },
    async (request, reply) => {
      const { status, sweepId, limit, offset } = request.query;
      const query = `experiments?${status ?? ''}&${sweepId ?? ''}&${limit}&${offset}`;
      const { etag, json } = await app.cachedReads.list(request.tenantId, query, async () => {
        const page = await app.reads.experiments.list(request.tenantId, { status, sweepId, limit, offset });
        return JSON.stringify(experimentListSchema.parse({ ...page, limit, offset }));
      });
      return sendVersioned(request, reply, etag, () => ({ body: json, type: JSON_TYPE }));
    },
  );

  app.get(
    '/experiments/:id',
    {
      schema: {
        tags: ['experiments'],
        operationId: 'getExperiment',
        summary: 'One experiment: spec, status, progress, results',
        description: VERSIONED_READ,
        params: idParamsSchema,
        response: { ...versionedResponses(experimentSchema, 'The experiment'), ...errorResponses(400, 404, 500) },
      },
    },
    async (request, reply) => {
      const { json, version } = await findExperiment(app, request, request.params.id);
      return sendVersioned(request, reply, `"x${version}"`, () => ({ body: json, type: JSON_TYPE }));
    },
  );

  app.post(
    '/experiments/:id/cancel',
    {
      schema: {
        tags: ['experiments'],
        operationId: 'cancelExperiment',
        summary: 'Cancel a queued or running experiment (cancelling twice is harmless)',
        description: 'A queued run never starts; a running one stops within a batch and keeps its history and last checkpoint.',
        params: idParamsSchema,
        response: { 200: responseOf(experimentSchema, 'The experiment, cancelled'), ...errorResponses(400, 404, 409, 413, 415, 500) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const result = await app.engine.cancelExperiment(request.tenantId, id);
      if (result.outcome === 'not-found') throw notFound('Experiment');
      if (result.outcome === 'already-finished') throw conflict(`The experiment has already finished: it is ${result.status}`);
      return (await findExperiment(app, request, id)).experiment;
    },
  );
};

export default experimentRoutes;
