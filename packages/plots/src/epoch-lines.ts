import type { TopLevelSpec } from 'vega-lite';
import { COLORS, PLOT_SIZE, SERIES, THEME } from './theme.ts';

/** One plotted value: a metric of one data set at one epoch, optionally one of several curves. */
export interface EpochPoint {
  epoch: number;
  set: (typeof SERIES)[keyof typeof SERIES];
  value: number;
  curve?: string;
}

export interface EpochLinesOptions {
  title: string;
  yTitle: string;
  /** Include 0 on the y axis (losses) or zoom to the data (accuracies near 1). */
  yZero: boolean;
  /** When curves are given: their names in legend order, the first drawn solid, the others dashed. */
  curves?: { title: string; names: readonly string[] };
}

/**
 * Training vs validation per epoch, as in the seed's plots: one line per data set (and per curve),
 * with a dot at each epoch so a one-epoch history is still visible. Each dot carries a description
 * (its aria-label), e.g. "Epoch 3, validation accuracy: 0.8685", Keras' four decimals.
 */
export function epochLinesSpec(points: EpochPoint[], options: EpochLinesOptions): TopLevelSpec {
  const { curves } = options;
  const values = points.map((point) => ({
    ...point,
    description: `Epoch ${point.epoch}, ${point.set.toLowerCase()} ${(point.curve ?? options.yTitle).toLowerCase()}: ${point.value.toFixed(4)}`,
  }));
  return {
    title: options.title,
    ...PLOT_SIZE,
    autosize: { type: 'fit', contains: 'padding' },
    config: THEME,
    data: { values },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: options.yTitle, scale: { zero: options.yZero } },
      color: {
        field: 'set',
        type: 'nominal',
        title: 'Data set',
        scale: { domain: [SERIES.training, SERIES.validation], range: [COLORS.training, COLORS.validation] },
      },
    },
    // Dots in their own layer: on the line mark they would turn the dash legend's strokes into fills.
    layer: [
      {
        mark: { type: 'line', strokeWidth: 2 },
        encoding: curves && {
          strokeDash: {
            field: 'curve',
            type: 'nominal',
            title: curves.title,
            scale: { domain: [...curves.names], range: curves.names.map((_, i) => (i === 0 ? [1, 0] : [6, 4])) },
            // Without canvas Vega overestimates text widths, so long labels are stacked, not spread in a row.
            legend: { direction: 'vertical', symbolType: 'stroke', symbolSize: 400, symbolStrokeColor: '#444' },
          },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 24, opacity: 1 },
        encoding: { description: { field: 'description' } },
      },
    ],
  };
}
