// The source lesson's run (shared seed notebook, Keras 3 / TF 2.17): every epoch of `fit` and the final
// `evaluate`, the figures every reproduction is compared with.

export interface SeedEpoch {
  epoch: number;
  accuracy: number;
  loss: number;
  valAccuracy: number;
  valLoss: number;
}

export const SEED_EPOCHS: readonly SeedEpoch[] = [
  { epoch: 1, accuracy: 0.6651, loss: 1.5928, valAccuracy: 0.8362, valLoss: 0.7466 },
  { epoch: 2, accuracy: 0.8555, loss: 0.6719, valAccuracy: 0.8589, valLoss: 0.5910 },
  { epoch: 3, accuracy: 0.8739, loss: 0.5431, valAccuracy: 0.8685, valLoss: 0.5346 },
  { epoch: 4, accuracy: 0.8863, loss: 0.4751, valAccuracy: 0.8712, valLoss: 0.4918 },
  { epoch: 5, accuracy: 0.8966, loss: 0.4238, valAccuracy: 0.8739, valLoss: 0.4692 },
  { epoch: 6, accuracy: 0.9009, loss: 0.3980, valAccuracy: 0.8776, valLoss: 0.4451 },
  { epoch: 7, accuracy: 0.9045, loss: 0.3694, valAccuracy: 0.8752, valLoss: 0.4440 },
  { epoch: 8, accuracy: 0.9101, loss: 0.3479, valAccuracy: 0.8802, valLoss: 0.4181 },
  { epoch: 9, accuracy: 0.9145, loss: 0.3324, valAccuracy: 0.8844, valLoss: 0.4102 },
  { epoch: 10, accuracy: 0.9135, loss: 0.3235, valAccuracy: 0.8818, valLoss: 0.4081 },
  { epoch: 11, accuracy: 0.9171, loss: 0.3114, valAccuracy: 0.8816, valLoss: 0.4069 },
  { epoch: 12, accuracy: 0.9208, loss: 0.2973, valAccuracy: 0.8883, valLoss: 0.3927 },
  { epoch: 13, accuracy: 0.9222, loss: 0.2866, valAccuracy: 0.8813, valLoss: 0.4056 },
  { epoch: 14, accuracy: 0.9229, loss: 0.2833, valAccuracy: 0.8804, valLoss: 0.3983 },
  { epoch: 15, accuracy: 0.9254, loss: 0.2742, valAccuracy: 0.8841, valLoss: 0.3892 },
  { epoch: 16, accuracy: 0.9261, loss: 0.2688, valAccuracy: 0.8866, valLoss: 0.3803 },
  { epoch: 17, accuracy: 0.9315, loss: 0.2508, valAccuracy: 0.8884, valLoss: 0.3858 },
  { epoch: 18, accuracy: 0.9300, loss: 0.2502, valAccuracy: 0.8837, valLoss: 0.3961 },
  { epoch: 19, accuracy: 0.9334, loss: 0.2464, valAccuracy: 0.8808, valLoss: 0.3934 },
  { epoch: 20, accuracy: 0.9326, loss: 0.2424, valAccuracy: 0.8873, valLoss: 0.3817 },
  { epoch: 21, accuracy: 0.9350, loss: 0.2329, valAccuracy: 0.8888, valLoss: 0.3809 },
  { epoch: 22, accuracy: 0.9380, loss: 0.2256, valAccuracy: 0.8800, valLoss: 0.4114 },
  { epoch: 23, accuracy: 0.9387, loss: 0.2242, valAccuracy: 0.8770, valLoss: 0.4065 },
  { epoch: 24, accuracy: 0.9379, loss: 0.2255, valAccuracy: 0.8848, valLoss: 0.3859 },
  { epoch: 25, accuracy: 0.9404, loss: 0.2183, valAccuracy: 0.8871, valLoss: 0.3827 },
  { epoch: 26, accuracy: 0.9417, loss: 0.2100, valAccuracy: 0.8849, valLoss: 0.3894 },
  { epoch: 27, accuracy: 0.9374, loss: 0.2191, valAccuracy: 0.8867, valLoss: 0.3826 },
  { epoch: 28, accuracy: 0.9447, loss: 0.2012, valAccuracy: 0.8843, valLoss: 0.3899 },
  { epoch: 29, accuracy: 0.9452, loss: 0.1992, valAccuracy: 0.8812, valLoss: 0.3958 },
  { epoch: 30, accuracy: 0.9454, loss: 0.1947, valAccuracy: 0.8862, valLoss: 0.3792 },
  { epoch: 31, accuracy: 0.9487, loss: 0.1876, valAccuracy: 0.8828, valLoss: 0.3928 },
  { epoch: 32, accuracy: 0.9471, loss: 0.1905, valAccuracy: 0.8833, valLoss: 0.3926 },
  { epoch: 33, accuracy: 0.9484, loss: 0.1847, valAccuracy: 0.8813, valLoss: 0.4024 },
  { epoch: 34, accuracy: 0.9507, loss: 0.1796, valAccuracy: 0.8855, valLoss: 0.3801 },
  { epoch: 35, accuracy: 0.9479, loss: 0.1852, valAccuracy: 0.8826, valLoss: 0.3971 },
  { epoch: 36, accuracy: 0.9504, loss: 0.1790, valAccuracy: 0.8793, valLoss: 0.4121 },
  { epoch: 37, accuracy: 0.9514, loss: 0.1780, valAccuracy: 0.8864, valLoss: 0.3944 },
  { epoch: 38, accuracy: 0.9528, loss: 0.1713, valAccuracy: 0.8883, valLoss: 0.3956 },
  { epoch: 39, accuracy: 0.9529, loss: 0.1697, valAccuracy: 0.8869, valLoss: 0.4033 },
  { epoch: 40, accuracy: 0.9561, loss: 0.1625, valAccuracy: 0.8856, valLoss: 0.3954 },
];

/** `rna.evaluate(x_test, y_test_hot)` → [loss, accuracy], at Keras' default batch of 32. */
export const SEED_TEST_EVALUATION = { loss: 0.36484572291374207, accuracy: 0.8855999708175659 } as const;
/** `rna.evaluate(x_train, y_train_hot)` as its progress bar printed it (running means over batches). */
export const SEED_TRAIN_EVALUATION = { loss: 0.1276, accuracy: 0.9566 } as const;
