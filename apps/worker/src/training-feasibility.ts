import { IMAGE_SIZE, MAX_TRAIN_EXAMPLES, NUM_CLASSES, type ResolvedExperimentSpec } from '@lab/contracts';

/**
 * The most memory one run may need: the wasm backend's heap cannot grow past 4 GiB (wasm32), and a
 * worker sharing a host must not take more. A run estimated above it fails at once, without retries.
 */
export const TRAINING_MEMORY_LIMIT_BYTES = 4 * 2 ** 30;

const FLOAT32_BYTES = 4;
/** Weights, their gradients and Adam's two moments. */
const COPIES_PER_PARAMETER = 4;
/** Each layer's output is kept for the backward pass, and its gradient made there, plus slack for temporaries. */
const COPIES_PER_ACTIVATION = 3;

/** A rough lower bound of the memory a training step of `spec` needs, in bytes. */
export function estimateTrainingMemoryBytes(spec: Pick<ResolvedExperimentSpec, 'hiddenLayers' | 'batchSize' | 'trainLimit'>): number {
  const widths = [IMAGE_SIZE, ...spec.hiddenLayers, NUM_CLASSES];
  let parameters = 0;
  for (let i = 1; i < widths.length; i++) parameters += widths[i - 1]! * widths[i]! + widths[i]!;
  const batch = Math.min(spec.batchSize, spec.trainLimit ?? MAX_TRAIN_EXAMPLES);
  const activations = batch * widths.reduce((sum, width) => sum + width, 0);
  return FLOAT32_BYTES * (COPIES_PER_PARAMETER * parameters + COPIES_PER_ACTIVATION * activations);
}

/** Why a run cannot fit (it then fails once, with this reason, without retries); null when it can. */
export function trainingInfeasibility(spec: ResolvedExperimentSpec): string | null {
  const needed = estimateTrainingMemoryBytes(spec);
  if (needed <= TRAINING_MEMORY_LIMIT_BYTES) return null;
  const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
  return (
    `This experiment needs about ${gib(needed)} GiB to train (weights, Adam state and one batch of activations), ` +
    `more than the ${gib(TRAINING_MEMORY_LIMIT_BYTES)} GiB a run may use: use a smaller batchSize or hiddenLayers`
  );
}
