import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Experiment } from '@lab/contracts';
import { conflict, notFound } from '../http-errors.ts';
import type { CachedExperiment } from '../read-cache/cached-reads.ts';

/** The request's tenant's experiment (cached by version), or a 404 — for an unknown id and another tenant's alike. */
export async function findExperiment(app: FastifyInstance, request: FastifyRequest, id: string): Promise<CachedExperiment> {
  const found = await app.cachedReads.experiment(request.tenantId, id);
  if (found === null) throw notFound('Experiment');
  return found;
}

/** Results exist only once training completed: anything else is a 409 that says where the run is. */
export function assertCompleted(experiment: Experiment, what: string): void {
  if (experiment.status !== 'completed') {
    throw conflict(`The ${what} is available once the experiment has completed; it is ${experiment.status}`);
  }
}

/** What every GET of an experiment's resources says about caching. */
export const VERSIONED_READ =
  'Answers with an ETag (the experiment\'s version, bumped by every change to it) and `Cache-Control: no-cache`; ' +
  '`If-None-Match` with the current ETag answers 304 without a body.';
