import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { CLASS_NAMES, IMAGE_SIDE, NUM_CLASSES } from '@lab/contracts';
import type { DatasetEvaluation, DatasetSplit, DatasetSplits, Evaluation, TestPrediction } from '@lab/contracts';
import { imageRange } from './data.ts';
import { categoricalCrossEntropyPerExample } from './losses.ts';
import { regularizationLayers } from './model.ts';

/** Keras' `evaluate` default batch size; the seed's final figures were computed with it. */
export const KERAS_EVALUATE_BATCH_SIZE = 32;
/** Rows per forward pass: large chunks keep the matmuls efficient whatever the reporting batch. */
const SCAN_CHUNK = 2048;

export interface SplitScan {
  score: DatasetEvaluation;
  /** Predicted class and its probability, per example in split order. */
  predicted: Uint8Array;
  confidence: Float32Array;
}

/**
 * One forward pass over a split. The penalty λ·Σa² sums over a *batch*, so its value depends on the
 * batch size: it is reported as Keras would for batches of `reportingBatchSize` taken in order
 * (batch-size weighted mean), computed exactly from per-example sums.
 */
export function scanSplit(model: LayersModel, split: DatasetSplit, reportingBatchSize: number): SplitScan {
  const regularizers = regularizationLayers(model);
  const n = split.count;
  const penaltyPerExample = new Float32Array(n);
  const predicted = new Uint8Array(n);
  const confidence = new Float32Array(n);
  let crossEntropySum = 0;
  let correct = 0;

  for (let start = 0; start < n; start += SCAN_CHUNK) {
    const end = Math.min(n, start + SCAN_CHUNK);
    const labels = split.labels.subarray(start, end);
    const [crossEntropy, penalty, argMax, maxProbability] = tf.tidy(() => {
      const probabilities = model.apply(imageRange(split, start, end), { training: false }) as tf.Tensor2D;
      const oneHot = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), NUM_CLASSES), 'float32') as tf.Tensor2D;
      const penalties = regularizers.map((layer) => layer.penaltyPerExample());
      return [
        categoricalCrossEntropyPerExample(oneHot, probabilities),
        penalties.length > 0 ? tf.addN(penalties) : tf.zeros([end - start]),
        tf.argMax(probabilities, -1),
        tf.max(probabilities, -1),
      ];
    });
    const ceValues = crossEntropy!.dataSync();
    const classes = argMax!.dataSync();
    penaltyPerExample.set(penalty!.dataSync(), start);
    confidence.set(maxProbability!.dataSync(), start);
    tf.dispose([crossEntropy!, penalty!, argMax!, maxProbability!]);
    for (let i = 0; i < end - start; i++) {
      crossEntropySum += ceValues[i]!;
      predicted[start + i] = classes[i]!;
      if (classes[i] === labels[i]) correct++;
    }
  }

  let weightedPenalty = 0;
  for (let start = 0; start < n; start += reportingBatchSize) {
    const end = Math.min(n, start + reportingBatchSize);
    let batchPenalty = 0;
    for (let i = start; i < end; i++) batchPenalty += penaltyPerExample[i]!;
    weightedPenalty += (end - start) * batchPenalty;
  }
  const crossEntropy = n > 0 ? crossEntropySum / n : 0;
  const penalty = n > 0 ? weightedPenalty / n : 0;
  return {
    score: { loss: crossEntropy + penalty, accuracy: n > 0 ? correct / n : 0, crossEntropy, penalty, examples: n },
    predicted,
    confidence,
  };
}

/** The seed's closing `evaluate` on train and test, plus what a user needs to read the errors. */
export function evaluateModel(
  model: LayersModel,
  data: DatasetSplits,
): { evaluation: Evaluation; predictions: TestPrediction[] } {
  const train = scanSplit(model, data.train, KERAS_EVALUATE_BATCH_SIZE);
  const test = scanSplit(model, data.test, KERAS_EVALUATE_BATCH_SIZE);
  const confusionMatrix = CLASS_NAMES.map(() => new Array<number>(NUM_CLASSES).fill(0));
  const predictions: TestPrediction[] = [];
  for (let i = 0; i < data.test.count; i++) {
    const trueClass = data.test.labels[i]!;
    const predictedClass = test.predicted[i]!;
    confusionMatrix[trueClass]![predictedClass]!++;
    predictions.push({ trueClass, predictedClass, confidence: test.confidence[i]! });
  }
  const perClassAccuracy = CLASS_NAMES.map((className, classIndex) => {
    const row = confusionMatrix[classIndex]!;
    const support = row.reduce((sum, count) => sum + count, 0);
    return { classIndex, className, accuracy: support > 0 ? row[classIndex]! / support : 0, support };
  });
  return {
    evaluation: {
      train: train.score,
      test: test.score,
      confusionMatrix,
      perClassAccuracy,
      evaluationBatchSize: KERAS_EVALUATE_BATCH_SIZE,
    },
    predictions,
  };
}

/** Class probabilities for raw images (pixels 0–255, 784 per image): count × 10 values. */
export function predictProbabilities(model: LayersModel, pixels: Float32Array, count: number): Float32Array {
  return tf.tidy(() => {
    const images = tf.tensor3d(pixels, [count, IMAGE_SIDE, IMAGE_SIDE]);
    return (model.apply(images, { training: false }) as tf.Tensor2D).dataSync() as Float32Array;
  });
}
