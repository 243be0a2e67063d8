import type { EpochMetrics } from '@lab/contracts';
import { epochLinesSpec, type EpochPoint } from './epoch-lines.ts';
import { noDataSpec } from './no-data.ts';
import { renderSpec } from './render-spec.ts';
import { SERIES } from './theme.ts';

/** The seed's second plot: training vs validation accuracy per epoch. */
export async function renderAccuracyPlot(history: EpochMetrics[], options: { title?: string } = {}): Promise<string> {
  const title = options.title ?? 'Accuracy per epoch: training and validation';
  if (history.length === 0) return renderSpec(noDataSpec(title));
  const points: EpochPoint[] = history.flatMap((row) => [
    { epoch: row.epoch, set: SERIES.training, value: row.accuracy },
    { epoch: row.epoch, set: SERIES.validation, value: row.valAccuracy },
  ]);
  return renderSpec(epochLinesSpec(points, { title, yTitle: 'Accuracy', yZero: false }));
}
