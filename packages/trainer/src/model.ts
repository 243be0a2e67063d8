import { initializers, input, layers, model as functionalModel } from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { IMAGE_SIDE, NUM_CLASSES } from '@lab/contracts';
import { ActivityRegularization } from './activity-regularization.ts';
import { SEED_PURPOSE, deriveSeed } from './random.ts';

export interface ModelSpec {
  lambda: number;
  hiddenLayers: readonly number[];
  seed: number;
}

/**
 * The seed's network: 28×28 → Flatten → ×1/255 → [Dense relu → ActivityRegularization(λ)]… →
 * Dense 10 softmax. Kernels use Keras' default glorot_uniform (tfjs defaults to glorotNormal, which
 * changes the early activations and so the penalty), biases zero, each kernel seeded from the run.
 */
export function buildModel(spec: ModelSpec): LayersModel {
  const dense = (units: number, activation: 'relu' | 'softmax', index: number) =>
    layers.dense({
      units,
      activation,
      kernelInitializer: initializers.glorotUniform({ seed: deriveSeed(spec.seed, SEED_PURPOSE.initialiser, index) }),
      biasInitializer: 'zeros',
    });

  const images = input({ shape: [IMAGE_SIDE, IMAGE_SIDE] });
  let x = layers.flatten().apply(images);
  // Keras' Lambda(x / 255.); tfjs multiplies by the reciprocal (float rounding may differ in the last bit).
  x = layers.rescaling({ scale: 1 / 255 }).apply(x);
  spec.hiddenLayers.forEach((units, index) => {
    x = dense(units, 'relu', index).apply(x);
    x = new ActivityRegularization({ lambda: spec.lambda }).apply(x);
  });
  const probabilities = dense(NUM_CLASSES, 'softmax', spec.hiddenLayers.length).apply(x);
  return functionalModel({ inputs: images, outputs: probabilities as ReturnType<typeof input> });
}

export function regularizationLayers(model: LayersModel): ActivityRegularization[] {
  return model.layers.filter((layer): layer is ActivityRegularization => layer instanceof ActivityRegularization);
}
