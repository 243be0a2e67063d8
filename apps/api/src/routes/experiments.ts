import { randomInt } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createdExperimentSchema,
  experimentListSchema,
  experimentSchema,
  experimentSpecSchema,
  idParamsSchema,
  listExperimentsQuerySchema,
  TRAIN_JOB_NAME,
  trainJobId,
  trainJobOptions,
} from '@lab/contracts';
import { conflict, errorResponses, notFound, serviceUnavailable } from '../http-errors.ts';
import { createIdempotently, IDEMPOTENT_REPLAY_HEADER, idempotencyHeadersSchema } from '../idempotency.ts';
import { withTimeout } from '../timeout.ts';
import { findExperiment } from './experiment-lookup.ts';

/**
 * BullMQ waits for Redis indefinitely; a client should get an answer instead. Should the job still
 * land later, the worker finds the experiment failed and does not train it.
 */
const QUEUE_TIMEOUT_MS = 5_000;

/** Seeds are drawn from the spec's range, 0 … 2³¹−1. */
const SEED_RANGE = 2 ** 31;

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
        try {
          // One job per experiment (deterministic job id): enqueueing again is harmless.
          const job = app.trainingQueue.add(TRAIN_JOB_NAME, { experimentId: id }, { ...trainJobOptions, jobId: trainJobId(id) });
          await withTimeout(job, QUEUE_TIMEOUT_MS, 'redis');
        } catch (error) {
          // The row exists but nothing will train it: record why, so it is not left queued forever.
          request.log.error({ err: error, experimentId: id }, 'could not enqueue the training job');
          await app.experiments.fail(id, 'The training queue was unavailable when the experiment was submitted');
          throw serviceUnavailable('The training queue is unavailable; try again later');
        }
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
        summary: 'List experiments, newest first',
        querystring: listExperimentsQuerySchema,
        response: { 200: experimentListSchema, ...errorResponses(400, 500) },
      },
    },
    async (request) => {
      const { status, limit, offset } = request.query;
      const page = await app.experiments.list({ status, limit, offset });
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
      const outcome = await app.experiments.cancel(id);
      if (outcome === 'not-found') throw notFound('Experiment');
      const experiment = await findExperiment(app.experiments, id);
      if (outcome === 'already-finished' && experiment.status !== 'cancelled') {
        throw conflict(`The experiment has already finished: it is ${experiment.status}`);
      }
      // A waiting job is removed; one a worker holds is left to it: it sees the status and stops. If
      // Redis is away the job stays, harmlessly: a worker never starts a cancelled experiment.
      await withTimeout(app.trainingQueue.remove(trainJobId(id)), QUEUE_TIMEOUT_MS, 'redis').catch((error: unknown) =>
        request.log.warn({ err: error, experimentId: id }, 'could not remove the cancelled job from the queue'),
      );
      return experiment;
    },
  );
};

export default experimentRoutes;
