import * as tf from '@tensorflow/tfjs-core';

/** Keras' backend epsilon: probabilities are clipped to [ε, 1−ε] before the log. */
export const KERAS_EPSILON = 1e-7;

/**
 * Keras' categorical_crossentropy on probabilities, per example: renormalise, clip, −Σ y·log p.
 * Returns shape [batch]; Keras' loss is its mean over the batch.
 */
export function categoricalCrossEntropyPerExample(oneHot: tf.Tensor2D, probabilities: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const normalised = tf.div(probabilities, tf.sum(probabilities, -1, true));
    const clipped = tf.clipByValue(normalised, KERAS_EPSILON, 1 - KERAS_EPSILON);
    return tf.neg(tf.sum(tf.mul(oneHot, tf.log(clipped)), -1)) as tf.Tensor1D;
  });
}

/** 1 where argmax(probabilities) equals argmax(oneHot) (Keras' categorical accuracy), per example. */
export function correctPerExample(oneHot: tf.Tensor2D, probabilities: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.cast(tf.equal(tf.argMax(probabilities, -1), tf.argMax(oneHot, -1)), 'float32') as tf.Tensor1D);
}
