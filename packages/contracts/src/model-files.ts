// A trained model as stock TensorFlow.js loads it (`tf.loadLayersModel(url)`): model.json in tfjs'
// Layers format, and one weight file beside it. Pure JSON, no tfjs: the API serves model files without
// loading tfjs for it.
import { z } from 'zod';
import { tensorSpecSchema, type ModelArtifacts } from './artifacts.ts';

/**
 * The class name the activity-regularization layer is saved under (ActivityRegularization.className;
 * a test keeps the two equal). Stock tfjs does not know it: `loadLayersModel` fails on an unknown
 * class unless the loader registers it in its own code.
 */
export const ACTIVITY_REGULARIZATION_CLASS = 'ActivityRegularization';

/** `[layer name, node index, tensor index, kwargs?]`: where a layer takes an input from. */
const nodeRefSchema = z.tuple([z.string(), z.number().int(), z.number().int()]).rest(z.unknown());
type NodeRef = z.infer<typeof nodeRefSchema>;

const layerSchema = z.looseObject({
  name: z.string(),
  class_name: z.string(),
  inbound_nodes: z.array(z.array(nodeRefSchema)),
});

/** The parts of a functional model's topology (model.json's `modelTopology`) that are rewired. */
const functionalTopologySchema = z.looseObject({
  class_name: z.string(),
  config: z.looseObject({
    layers: z.array(layerSchema),
    input_layers: z.array(nodeRefSchema),
    output_layers: z.array(nodeRefSchema),
  }),
});

/**
 * The same network without its ActivityRegularization layers, each consumer wired to the layer's own
 * input. Those layers are the identity at inference (they only add λ·Σa² to the training loss) and
 * hold no weights, so the result predicts exactly what the trained model predicts, with the same
 * weight manifest, and loads in stock tfjs (Node or a browser) with no code of this project.
 */
export function inferenceTopology(topology: object): Record<string, unknown> {
  const model = functionalTopologySchema.parse(topology);
  const removed = new Map<string, NodeRef>();
  for (const layer of model.config.layers) {
    if (layer.class_name !== ACTIVITY_REGULARIZATION_CLASS) continue;
    const input = layer.inbound_nodes[0]?.[0];
    if (layer.inbound_nodes.length !== 1 || layer.inbound_nodes[0]?.length !== 1 || input === undefined) {
      throw new Error(`${layer.name} must have exactly one input to be left out`);
    }
    removed.set(layer.name, input);
  }
  // A reference keeps its own kwargs; a removed layer fed by another removed layer resolves to the first one's input.
  const source = (ref: NodeRef): NodeRef => {
    const input = removed.get(ref[0]);
    if (input === undefined) return ref;
    const [name, node, tensor] = source(input);
    return [name, node, tensor, ...ref.slice(3)];
  };
  return {
    ...model,
    config: {
      ...model.config,
      layers: model.config.layers
        .filter((layer) => !removed.has(layer.name))
        .map((layer) => ({ ...layer, inbound_nodes: layer.inbound_nodes.map((node) => node.map(source)) })),
      output_layers: model.config.output_layers.map(source),
    },
  };
}

/** The weight file's name, tfjs' own for a single shard; model.json names it relative to itself. */
export const MODEL_WEIGHTS_FILE = 'group1-shard1of1.bin';

/** model.json as tfjs' `loadLayersModel` reads it (its `ModelJSON`). */
export const modelJsonSchema = z.object({
  format: z.literal('layers-model'),
  generatedBy: z.string(),
  convertedBy: z.null(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(tensorSpecSchema) })),
});
export type ModelJson = z.infer<typeof modelJsonSchema>;

/**
 * model.json of a stored model: the inference topology and one weight file, named relative to
 * model.json (tfjs resolves it against model.json's URL and copies model.json's query string onto it).
 */
export function modelJson(model: Pick<ModelArtifacts, 'topology' | 'weightSpecs'>): ModelJson {
  const topology = inferenceTopology(model.topology);
  return {
    format: 'layers-model',
    generatedBy: typeof topology.keras_version === 'string' ? topology.keras_version : 'tfjs-layers',
    convertedBy: null,
    modelTopology: topology,
    weightsManifest: [{ paths: [MODEL_WEIGHTS_FILE], weights: model.weightSpecs }],
  };
}
