import { z } from 'zod';

/**
 * What training produces and the service keeps, declared once from the trainer to Postgres and
 * back: the bytes are tfjs' own formats (`tf.io.encodeWeights`), the manifests are validated with
 * these schemas wherever they are read back from storage.
 */

/** One tensor of an encoded blob: tfjs' weights-manifest entry, in blob order. */
export const tensorSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  dtype: z.enum(['float32', 'int32', 'bool', 'complex64', 'string']),
});
export type TensorSpec = z.infer<typeof tensorSpecSchema>;
export const tensorSpecsSchema = z.array(tensorSpecSchema);

/** Named tensors as one binary blob plus the manifest that says how to cut it. */
export interface EncodedTensors {
  specs: TensorSpec[];
  data: Uint8Array;
}

/** End-of-epoch state from which training continues exactly as if never interrupted. */
export interface Checkpoint {
  epoch: number;
  /** The model's weights, in `model.getWeights()` order. */
  weights: EncodedTensors;
  /** Adam's step and moments, in the optimizer's variable order. */
  optimizer: EncodedTensors;
}

/** A trained model as stored: tfjs topology JSON (model.json's `modelTopology`) and its weights. */
export interface ModelArtifacts {
  topology: object;
  weightSpecs: TensorSpec[];
  weightData: Uint8Array;
}

/** The trained model's answer for one test image; stored in test-set order. */
export interface TestPrediction {
  trueClass: number;
  predictedClass: number;
  /** The predicted class's probability. */
  confidence: number;
}
