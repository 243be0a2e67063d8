import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { ACTIVITY_REGULARIZATION_CLASS, inferenceTopology, modelJson, MODEL_WEIGHTS_FILE } from '@lab/contracts';
import { ActivityRegularization, buildModel, initBackend, predictProbabilities, serializeModel } from '../src/index.ts';

type Layer = { name: string; class_name: string; inbound_nodes: [string, number, number, object][][] };
const layersOf = (topology: object) => (topology as { config: { layers: Layer[] } }).config.layers;

before(async () => {
  await initBackend('cpu');
});

describe('inferenceTopology: the trained model without its ActivityRegularization layers', () => {
  test('names the class the layer is saved under', () => {
    assert.equal(ACTIVITY_REGULARIZATION_CLASS, ActivityRegularization.className);
  });

  test('drops the penalty layers and wires each consumer to the layer\'s input; weights stay as they are', async () => {
    const artifacts = await serializeModel(buildModel({ lambda: 1e-4, hiddenLayers: [8, 6], seed: 3 }));
    const stored = structuredClone(artifacts.topology);
    const full = layersOf(artifacts.topology);
    assert.equal(full.filter((layer) => layer.class_name === ACTIVITY_REGULARIZATION_CLASS).length, 2);
    const inference = layersOf(inferenceTopology(artifacts.topology));
    assert.deepEqual(inference.map((layer) => layer.class_name), ['InputLayer', 'Flatten', 'Rescaling', 'Dense', 'Dense', 'Dense']);
    const [, , , first, second, last] = inference as [Layer, Layer, Layer, Layer, Layer, Layer];
    assert.equal(second.inbound_nodes[0]?.[0]?.[0], first.name);
    assert.equal(last.inbound_nodes[0]?.[0]?.[0], second.name);
    const json = modelJson(artifacts);
    assert.deepEqual(json.weightsManifest, [{ paths: [MODEL_WEIGHTS_FILE], weights: artifacts.weightSpecs }]);
    assert.deepEqual(artifacts.topology, stored, 'the stored topology is not changed');
  });

  test('predicts exactly what the trained model predicts', async () => {
    const model = buildModel({ lambda: 1e-3, hiddenLayers: [16], seed: 9 });
    const artifacts = await serializeModel(model);
    const weightData = artifacts.weightData.slice().buffer;
    const inference = await loadLayersModel(
      tf.io.fromMemory({ modelTopology: inferenceTopology(artifacts.topology), weightSpecs: artifacts.weightSpecs, weightData }),
    );
    const pixels = Float32Array.from({ length: 3 * 784 }, (_, index) => (index * 37) % 256);
    assert.deepEqual(predictProbabilities(inference, pixels, 3), predictProbabilities(model, pixels, 3));
    model.dispose();
    inference.dispose();
  });

  test('a penalty layer fed by another resolves to the first one\'s input; a layer with two inputs is refused', () => {
    const ref = (name: string) => [name, 0, 0, {}];
    const topology = {
      class_name: 'Model',
      config: {
        layers: [
          { name: 'in', class_name: 'InputLayer', inbound_nodes: [] },
          { name: 'a', class_name: ACTIVITY_REGULARIZATION_CLASS, inbound_nodes: [[ref('in')]] },
          { name: 'b', class_name: ACTIVITY_REGULARIZATION_CLASS, inbound_nodes: [[ref('a')]] },
          { name: 'out', class_name: 'Dense', inbound_nodes: [[ref('b')]] },
        ],
        input_layers: [['in', 0, 0]],
        output_layers: [['b', 0, 0]],
      },
    };
    const result = inferenceTopology(topology) as { config: { layers: Layer[]; output_layers: unknown[] } };
    assert.deepEqual(result.config.layers.map((layer) => layer.name), ['in', 'out']);
    assert.deepEqual(result.config.layers[1]?.inbound_nodes, [[ref('in')]]);
    assert.deepEqual(result.config.output_layers, [['in', 0, 0]], 'a reference keeps its own shape');
    const twoInputs = structuredClone(topology);
    twoInputs.config.layers[1]!.inbound_nodes = [[ref('in'), ref('in')]];
    assert.throws(() => inferenceTopology(twoInputs), /exactly one input/);
    assert.throws(() => inferenceTopology({ class_name: 'Sequential' }), /config/);
  });
});
