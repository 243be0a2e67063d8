import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Experiment } from '@lab/contracts';
import { conflict, notFound } from '../http-errors.ts';

/** The request's tenant's experiment, or a 404 — for an unknown id and another tenant's alike. */
export async function findExperiment(app: FastifyInstance, request: FastifyRequest, id: string): Promise<Experiment> {
  const experiment = await app.reads.experiments.get(request.tenantId, id);
  if (experiment === null) throw notFound('Experiment');
  return experiment;
}

/** Results exist only once training completed: anything else is a 409 that says where the run is. */
export function assertCompleted(experiment: Experiment, what: string): void {
  if (experiment.status !== 'completed') {
    throw conflict(`The ${what} is available once the experiment has completed; it is ${experiment.status}`);
  }
}
