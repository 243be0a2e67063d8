import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { EncodedTensors, ModelArtifacts, TensorSpec } from '@lab/contracts';
import './activity-regularization.ts';
import { copyTensorBytes } from './wasm-memory.ts'; // registers the custom layer so saved models load again

/** tfjs writes only the dtypes a manifest entry can name; anything else is a bug worth stopping on. */
function toTensorSpecs(entries: readonly tf.io.WeightsManifestEntry[]): TensorSpec[] {
  return entries.map(({ name, shape, dtype }) => ({ name, shape: [...shape], dtype }));
}

/**
 * tfjs' weight encoding (each tensor's values in order, no padding), written straight into one
 * buffer: `tf.io.encodeWeights` copies every tensor out first, and those copies of a whole checkpoint
 * would wait as garbage for the training thread's next full collection.
 */
export function encodeTensors(tensors: NamedTensor[]): EncodedTensors {
  const lengths = tensors.map(({ name, tensor }) => {
    if (tensor.dtype === 'string' || tensor.dtype === 'complex64') throw new Error(`cannot encode ${tensor.dtype} tensor "${name}"`);
    return tensor.size * tf.util.bytesPerElement(tensor.dtype);
  });
  const data = new Uint8Array(lengths.reduce((sum, length) => sum + length, 0));
  let offset = 0;
  tensors.forEach(({ tensor }, i) => {
    const length = lengths[i]!;
    copyTensorBytes(tensor, data.subarray(offset, offset + length));
    offset += length;
  });
  return { specs: tensors.map(({ name, tensor }) => ({ name, shape: [...tensor.shape], dtype: tensor.dtype })), data };
}

/** Decodes in manifest order (the order the optimizer and model expect their values in). */
export function decodeTensors(encoded: EncodedTensors): NamedTensor[] {
  const buffer = encoded.data.buffer.slice(encoded.data.byteOffset, encoded.data.byteOffset + encoded.data.byteLength);
  const byName = tf.io.decodeWeights(buffer as ArrayBuffer, encoded.specs);
  return encoded.specs.map((spec) => {
    const tensor = byName[spec.name];
    if (tensor === undefined) throw new Error(`encoded tensors lack "${spec.name}"`);
    return { name: spec.name, tensor };
  });
}

export async function serializeModel(model: LayersModel): Promise<ModelArtifacts> {
  let saved: ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      if (artifacts.modelTopology === undefined || weightData === undefined || artifacts.weightSpecs === undefined) {
        throw new Error('model.save produced no topology or weights');
      }
      const bytes = tf.io.CompositeArrayBuffer.join(weightData);
      saved = { topology: artifacts.modelTopology, weightSpecs: toTensorSpecs(artifacts.weightSpecs), weightData: new Uint8Array(bytes) };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (saved === null) throw new Error('model.save did not call its handler');
  return saved;
}

export async function loadModel(artifacts: ModelArtifacts): Promise<LayersModel> {
  const weightData = artifacts.weightData.buffer.slice(
    artifacts.weightData.byteOffset,
    artifacts.weightData.byteOffset + artifacts.weightData.byteLength,
  ) as ArrayBuffer;
  return loadLayersModel(
    tf.io.fromMemory({
      modelTopology: artifacts.topology,
      weightSpecs: artifacts.weightSpecs,
      weightData,
    }),
  );
}
