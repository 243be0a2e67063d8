import type { EpochMetrics } from '@lab/contracts';

/**
 * A plausible history with every value distinct: training loss falls below validation loss, the
 * penalty shrinks, training accuracy climbs past validation accuracy (the seed's overfitting shape).
 */
export function epochHistory(epochs: number): EpochMetrics[] {
  return Array.from({ length: epochs }, (_, i) => {
    const epoch = i + 1;
    const crossEntropy = 0.6 / epoch + 0.1 + i * 0.0011;
    const penalty = 0.9 / epoch ** 2 + 0.031;
    const valCrossEntropy = 0.42 - 0.02 * i + 0.004 * i * i;
    const valPenalty = 0.2 / epoch + 0.017;
    return {
      epoch,
      loss: crossEntropy + penalty,
      accuracy: 0.8 + 0.03 * i,
      crossEntropy,
      penalty,
      valLoss: valCrossEntropy + valPenalty,
      valAccuracy: 0.83 + 0.011 * i - 0.0007 * i * i,
      valCrossEntropy,
      valPenalty,
      durationMs: 1000 + i,
    };
  });
}
