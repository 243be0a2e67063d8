import * as tf from '@tensorflow/tfjs-core';
import type { EncodedTensors } from '@lab/contracts';
import { FusedAdamOptimizer } from './fused-adam.ts';
import { decodeTensors, encodeTensors } from './serialize.ts';

/**
 * Keras' Adam defaults (β1 0.9, β2 0.999, ε 1e-7); tfjs applies ε to the bias-corrected moments.
 * It is tfjs' Adam, with the update fused into one kernel per variable on wasm (bit-identical).
 */
export function createAdam(learningRate: number): tf.AdamOptimizer {
  return new FusedAdamOptimizer(learningRate, 0.9, 0.999, 1e-7);
}

/** tfjs keeps β^t as running products that `setWeights` recomputes with pow(); we restore them as they were. */
interface AdamPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}
const POWER_NAMES = ['adam/beta1_power', 'adam/beta2_power'] as const;

/** Adam's full state: step count, both moments of every variable, and the β powers. */
export async function saveAdamState(optimizer: tf.AdamOptimizer): Promise<EncodedTensors> {
  const powers = optimizer as unknown as AdamPowers;
  const [iterations, ...moments] = await optimizer.getWeights();
  if (iterations === undefined) throw new Error('Adam returned no state');
  try {
    return encodeTensors([
      iterations,
      ...moments,
      { name: POWER_NAMES[0], tensor: powers.accBeta1 },
      { name: POWER_NAMES[1], tensor: powers.accBeta2 },
    ]);
  } finally {
    iterations.tensor.dispose(); // a fresh scalar; the moments are the optimizer's own variables
  }
}

export async function restoreAdamState(optimizer: tf.AdamOptimizer, state: EncodedTensors): Promise<void> {
  const tensors = decodeTensors(state);
  const find = (name: string) => tensors.find((t) => t.name === name)?.tensor;
  const beta1Power = find(POWER_NAMES[0]);
  const beta2Power = find(POWER_NAMES[1]);
  await optimizer.setWeights(tensors.filter((t) => !(POWER_NAMES as readonly string[]).includes(t.name)));
  const powers = optimizer as unknown as AdamPowers;
  if (beta1Power !== undefined) powers.accBeta1.assign(beta1Power as tf.Scalar);
  if (beta2Power !== undefined) powers.accBeta2.assign(beta2Power as tf.Scalar);
  tf.dispose(tensors.map((t) => t.tensor));
}
