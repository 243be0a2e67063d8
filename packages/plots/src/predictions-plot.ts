import { CLASS_NAMES } from '@lab/contracts';
import type { TopLevelSpec } from 'vega-lite';
import { noDataSpec } from './no-data.ts';
import { renderSpec } from './render-spec.ts';
import { COLORS, PLOT_SIZE, THEME } from './theme.ts';

export interface PredictionPoint {
  index: number;
  trueClass: number;
  predictedClass: number;
}

export const PREDICTION_SERIES = { truth: 'True class', predicted: 'Predicted class' } as const;

function className(classIndex: number): string {
  const name = CLASS_NAMES[classIndex];
  if (name === undefined) throw new RangeError(`class ${classIndex} is not a Fashion-MNIST class (0–${CLASS_NAMES.length - 1})`);
  return name;
}

/**
 * The seed's plot of `y_test[:150]` (blue dots) against the predictions (red dots), one column per test
 * image. The true class is drawn as a larger dot beneath the predicted one, so a right answer reads as
 * a red dot inside a blue one and a wrong one as two separate dots.
 */
export async function renderPredictionsPlot(points: PredictionPoint[], options: { title?: string } = {}): Promise<string> {
  const title = options.title ?? `True vs predicted class, first ${points.length === 1 ? 'test image' : `${points.length} test images`}`;
  if (points.length === 0) return renderSpec(noDataSpec(title));
  // Every true dot first, then every predicted dot: Vega draws in data order, so predictions lie on top.
  const dots = (series: string, classOf: (point: PredictionPoint) => number) =>
    points.map((point) => {
      const name = className(classOf(point));
      return { index: point.index, series, className: name, description: `Test image ${point.index}: ${series.toLowerCase()} ${name}` };
    });
  const values = [...dots(PREDICTION_SERIES.truth, (point) => point.trueClass), ...dots(PREDICTION_SERIES.predicted, (point) => point.predictedClass)];
  const series = [PREDICTION_SERIES.truth, PREDICTION_SERIES.predicted];
  const spec: TopLevelSpec = {
    title,
    ...PLOT_SIZE,
    autosize: { type: 'fit', contains: 'padding' },
    config: THEME,
    data: { values },
    mark: { type: 'point', filled: true, opacity: 1 },
    encoding: {
      x: { field: 'index', type: 'quantitative', title: 'Test image (index)', scale: { nice: false }, axis: { format: 'd', tickMinStep: 1 } },
      // Class 0 at the bottom, as the seed's numeric axis has it.
      y: { field: 'className', type: 'ordinal', title: 'Class', scale: { domain: [...CLASS_NAMES].reverse() }, axis: { grid: true } },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: series, range: [COLORS.training, COLORS.validation] } },
      size: { field: 'series', type: 'ordinal', scale: { domain: series, range: [70, 22] } },
      description: { field: 'description' },
    },
  };
  return renderSpec(spec);
}
