export { ActivityRegularization, type ActivityRegularizationArgs } from './activity-regularization.ts';
export { BACKEND_PREFERENCES, initBackend, type BackendInfo, type BackendOptions, type BackendPreference } from './backend.ts';
export { firstExamples } from './data.ts';
export { evaluateModel, predictProbabilities, scanSplit } from './evaluate.ts';
export { isFastWasmMatMulEnabled, setFastWasmMatMul } from './fast-wasm-matmul.ts';
export { buildModel, regularizationLayers, type ModelSpec } from './model.ts';
export { deriveSeed, permutation } from './random.ts';
export { decodeTensors, encodeTensors, loadModel, serializeModel } from './serialize.ts';
export { train, type TrainOptions, type TrainOutcome, type TrainingSpec } from './train.ts';
