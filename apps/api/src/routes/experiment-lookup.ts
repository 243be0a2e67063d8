import type { Experiment } from '@lab/contracts';
import type { ExperimentRepository } from '@lab/db';
import { conflict, notFound } from '../http-errors.ts';

/** The experiment, or a 404 for an unknown id. */
export async function findExperiment(experiments: ExperimentRepository, id: string): Promise<Experiment> {
  const experiment = await experiments.get(id);
  if (experiment === null) throw notFound('Experiment');
  return experiment;
}

/** Results exist only once training completed: anything else is a 409 that says where the run is. */
export function assertCompleted(experiment: Experiment, what: string): void {
  if (experiment.status !== 'completed') {
    throw conflict(`The ${what} is available once the experiment has completed; it is ${experiment.status}`);
  }
}
