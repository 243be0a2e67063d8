// A user's program: loads a model from its URL with stock TensorFlow.js — tfjs-core, tfjs-layers and
// the cpu backend, no code of this project — and prints its class probabilities for the images it is
// given on stdin (pixels 0–255, 28×28 each), as the last line of its output.
import { setBackend, tensor3d } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadLayersModel } from '@tensorflow/tfjs-layers';

const [url, authorization] = process.argv.slice(2);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const images = JSON.parse(input);

await setBackend('cpu');
const model = await loadLayersModel(url, { requestInit: { headers: { authorization } } });
const probabilities = await model.predict(tensor3d(images)).array();
console.log(JSON.stringify({ layers: model.layers.map((layer) => layer.getClassName()), probabilities }));
