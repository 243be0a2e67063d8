import { SEED_SPEC, type DatasetSplits } from '@lab/contracts';
import { firstExamples } from './data.ts';
import { train } from './train.ts';

/** Enough steps for the first epoch after it to run at full speed (measured on the lesson's configuration). */
const WARM_UP_STEPS = 8;

/**
 * Trains the lesson's network for a few steps and throws it away, so that what a process's first
 * training pays once (V8 compiling the JavaScript of a step, the backend's memory growing to a step's
 * size) is paid before a run arrives: the first epoch of the first run then takes as long as the
 * others (~0.5 s here). Runs that follow in the same thread reuse all of it.
 */
export async function warmUpTraining(data: DatasetSplits): Promise<void> {
  const spec = { ...SEED_SPEC, epochs: 1, seed: 0 };
  const outcome = await train({
    spec,
    data: { train: firstExamples(data.train, WARM_UP_STEPS * spec.batchSize), test: firstExamples(data.test, spec.batchSize) },
    onEpoch: () => {},
  });
  outcome.model.dispose();
}
