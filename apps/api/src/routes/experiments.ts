import { randomInt } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createdExperimentSchema,
  experimentListSchema,
  experimentSchema,
  experimentSpecSchema,
  idParamsSchema,
  listExperimentsQuerySchema,
  SEED_RANGE,
} from '@lab/contracts';
import { conflict, errorResponses, notFound } from '../http-errors.ts';
import { createIdempotently, IDEMPOTENT_REPLAY_HEADER, idempotencyHeadersSchema } from '../idempotency.ts';
import { cancelTraining, enqueueTraining } from '../training-jobs.ts';
import { findExperiment } from './experiment-lookup.ts';

/** Experiments: submit, list, read, cancel. */
const experimentRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/experiments',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Submit an experiment: stored, then queued for training',
        description:
          'With an Idempotency-Key header, a repeat of the same request (same key and body) answers 202 with ' +
          'the experiment the first one created and its current status (header Idempotent-Replayed: true); ' +
          'the same key with another body is a 409.',
        headers: idempotencyHeadersSchema,
        body: experimentSpecSchema,
        response: { 202: createdExperimentSchema, ...errorResponses(400, 409, 413, 415, 500, 503) },
      },
    },
    async (request, reply) => {
      const { resourceId: id, replayed } = await createIdempotently(app, request, async (id) => {
        const spec = { ...request.body, seed: request.body.seed ?? randomInt(SEED_RANGE) };
        await app.experiments.create({ id, spec, name: spec.name ?? null });
        await enqueueTraining(app, request.log, [id]);
      });
      if (replayed) reply.header(IDEMPOTENT_REPLAY_HEADER, 'true');
      const status = replayed ? (await findExperiment(app.experiments, id)).status : 'queued';
      return reply.code(202).header('location', `${app.prefix}/experiments/${id}`).send({ id, status });
    },
  );

  app.get(
    '/experiments',
    {
      schema: {
        tags: ['experiments'],
        summary: 'List experiments, newest first (those of one sweep with `sweepId`)',
        querystring: listExperimentsQuerySchema,
        response: { 200: experimentListSchema, ...errorResponses(400, 500) },
      },
    },
    async (request) => {
      const { status, sweepId, limit, offset } = request.query;
      const page = await app.experiments.list({ status, sweepId, limit, offset });
      return { ...page, limit, offset };
    },
  );

  app.get(
    '/experiments/:id',
    {
      schema: {
        tags: ['experiments'],
        summary: 'One experiment: spec, status, progress, results',
        params: idParamsSchema,
        response: { 200: experimentSchema, ...errorResponses(400, 404, 500) },
      },
    },
    async (request) => findExperiment(app.experiments, request.params.id),
  );

  app.post(
    '/experiments/:id/cancel',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Cancel a queued or running experiment (cancelling twice is harmless)',
        params: idParamsSchema,
        response: { 200: experimentSchema, ...errorResponses(400, 404, 409, 413, 415, 500) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const outcome = await cancelTraining(app, request.log, id);
      if (outcome === 'not-found') throw notFound('Experiment');
      const experiment = await findExperiment(app.experiments, id);
      if (outcome === 'already-finished') throw conflict(`The experiment has already finished: it is ${experiment.status}`);
      return experiment;
    },
  );
};

export default experimentRoutes;
