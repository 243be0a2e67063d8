import type { EpochMetrics } from '@lab/contracts';
import { epochLinesSpec, type EpochPoint } from './epoch-lines.ts';
import { noDataSpec } from './no-data.ts';
import { renderSpec } from './render-spec.ts';
import { SERIES } from './theme.ts';

export const LOSS_CURVES = {
  total: 'Loss (cross-entropy + penalty)',
  crossEntropy: 'Cross-entropy only',
} as const;

/**
 * The seed's first plot, training vs validation loss per epoch, plus the cross-entropy alone (dashed):
 * the distance between a solid line and its dashed twin is the activation penalty λ·Σa².
 */
export async function renderLossPlot(history: EpochMetrics[], options: { title?: string } = {}): Promise<string> {
  const title = options.title ?? 'Loss per epoch: training and validation';
  if (history.length === 0) return renderSpec(noDataSpec(title));
  const points: EpochPoint[] = history.flatMap((row) => [
    { epoch: row.epoch, set: SERIES.training, curve: LOSS_CURVES.total, value: row.loss },
    { epoch: row.epoch, set: SERIES.validation, curve: LOSS_CURVES.total, value: row.valLoss },
    { epoch: row.epoch, set: SERIES.training, curve: LOSS_CURVES.crossEntropy, value: row.crossEntropy },
    { epoch: row.epoch, set: SERIES.validation, curve: LOSS_CURVES.crossEntropy, value: row.valCrossEntropy },
  ]);
  return renderSpec(
    epochLinesSpec(points, {
      title,
      yTitle: 'Loss',
      yZero: true,
      curves: { title: 'Curve', names: [LOSS_CURVES.total, LOSS_CURVES.crossEntropy] },
    }),
  );
}
