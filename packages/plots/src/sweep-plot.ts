import type { TopLevelSpec } from 'vega-lite';
import { formatLambda } from '@lab/contracts';
import type { PositionDef } from 'vega-lite/types_unstable/channeldef.js';
import type { LayerSpec } from 'vega-lite/types_unstable/spec/index.js';
import { noDataSpec } from './no-data.ts';
import { renderSpec } from './render-spec.ts';
import { COLORS, THEME } from './theme.ts';

/** One λ of a sweep: means over its seeds, and their standard deviations when there are several. */
export interface SweepPlotRow {
  lambda: number;
  valAccuracyMean: number;
  valAccuracySd: number | null;
  gapMean: number;
  gapSd: number | null;
}

interface Metric {
  title: string;
  axisTitle: string;
  color: string;
  mean: (row: SweepPlotRow) => number;
  sd: (row: SweepPlotRow) => number | null;
}

const METRICS: Metric[] = [
  {
    title: 'Validation accuracy',
    axisTitle: 'Accuracy',
    color: COLORS.validation,
    mean: (row) => row.valAccuracyMean,
    sd: (row) => row.valAccuracySd,
  },
  {
    title: 'Overfitting gap: training − validation accuracy',
    axisTitle: 'Accuracy gap',
    color: COLORS.gap,
    mean: (row) => row.gapMean,
    sd: (row) => row.gapSd,
  },
];

const PANEL_HEIGHT = 150;
const ZERO_PANEL_WIDTH = 60;
const LOG_PANEL_WIDTH = 560;

function formatValue(value: number, sd: number | null): string {
  return sd === null ? value.toFixed(4) : `${value.toFixed(4)} ± ${sd.toFixed(4)}`;
}

/** The rows of one metric, flattened for Vega-Lite, with a spoken description for each point. */
function metricValues(rows: SweepPlotRow[], metric: Metric) {
  return rows.map((row) => ({
    lambda: row.lambda,
    lambdaLabel: formatLambda(row.lambda),
    mean: metric.mean(row),
    sd: metric.sd(row),
    description: `λ = ${formatLambda(row.lambda)}: ${metric.title.toLowerCase()} ${formatValue(metric.mean(row), metric.sd(row))}`,
  }));
}

type Panel = 'zero' | 'log';

interface PanelLayout {
  showYAxis: boolean;
  showXTitle: boolean;
  /** The λ > 0 of the sweep: the log axis is labelled at exactly these values. */
  positiveLambdas: number[];
}

/** λ = 0 on its own point scale; λ > 0 on a log scale widened by a factor 2 each side so no point sits on the frame. */
function lambdaAxis(panel: Panel, { showXTitle, positiveLambdas }: PanelLayout): PositionDef<string> {
  if (panel === 'zero') {
    return { field: 'lambdaLabel', type: 'ordinal', title: showXTitle ? 'λ = 0' : null, axis: { labelAngle: 0 } };
  }
  return {
    field: 'lambda',
    type: 'quantitative',
    title: showXTitle ? 'λ, activity-regularization factor (log scale)' : null,
    scale: { type: 'log', domain: [Math.min(...positiveLambdas) / 2, Math.max(...positiveLambdas) * 2], nice: false },
    axis: { values: positiveLambdas, format: '.2~e' },
  };
}

/**
 * One panel of one metric: λ = 0 on its own (log 0 is −∞, so the unregularized run cannot share the
 * log axis), λ > 0 on the log axis joined by a line. Error bars only where the sd is known.
 */
function panelSpec(metric: Metric, panel: Panel, layout: PanelLayout): LayerSpec<string> {
  const x = lambdaAxis(panel, layout);
  const y: PositionDef<string> = {
    field: 'mean',
    type: 'quantitative',
    scale: { zero: false },
    title: layout.showYAxis ? metric.axisTitle : null,
    axis: layout.showYAxis ? { format: '.3~f' } : { labels: false, ticks: false },
  };
  const line: LayerSpec<string>['layer'] = panel === 'log' ? [{ mark: { type: 'line', color: metric.color, strokeWidth: 2 }, encoding: { x, y } }] : [];
  return {
    width: panel === 'zero' ? ZERO_PANEL_WIDTH : LOG_PANEL_WIDTH,
    height: PANEL_HEIGHT,
    transform: [{ filter: panel === 'zero' ? 'datum.lambda === 0' : 'datum.lambda > 0' }],
    layer: [
      ...line,
      {
        transform: [{ filter: 'isValid(datum.sd)' }],
        mark: { type: 'errorbar', color: metric.color, ticks: true, size: 10, thickness: 1.5 },
        encoding: { x, y, yError: { field: 'sd' }, description: { field: 'description' } },
      },
      {
        mark: { type: 'point', filled: true, size: 60, color: metric.color, opacity: 1 },
        encoding: { x, y, description: { field: 'description' } },
      },
    ],
  };
}

/**
 * Validation accuracy and the overfitting gap against λ, one row each; in each row λ = 0 sits in a
 * narrow panel left of the log axis and shares its y scale.
 */
export async function renderSweepPlot(rows: SweepPlotRow[], options: { title?: string } = {}): Promise<string> {
  const title = options.title ?? 'Validation accuracy and overfitting gap against λ';
  if (rows.length === 0) return renderSpec(noDataSpec(title));
  const positiveLambdas = [...new Set(rows.map((row) => row.lambda).filter((lambda) => lambda > 0))].sort((a, b) => a - b);
  const panels: Panel[] = [];
  if (rows.some((row) => row.lambda === 0)) panels.push('zero');
  if (positiveLambdas.length > 0) panels.push('log');
  const hasSpread = rows.some((row) => row.valAccuracySd !== null || row.gapSd !== null);
  const spec: TopLevelSpec = {
    title: { text: title, ...(hasSpread && { subtitle: 'Points: mean over seeds; error bars: ± 1 standard deviation' }) },
    config: THEME,
    spacing: 24,
    vconcat: METRICS.map((metric, metricIndex) => ({
      title: { text: metric.title, fontSize: 13, fontWeight: 'normal', anchor: 'start' },
      data: { values: metricValues(rows, metric) },
      resolve: { scale: { y: 'shared' } },
      spacing: 8,
      hconcat: panels.map((panel, panelIndex) =>
        panelSpec(metric, panel, {
          showYAxis: panelIndex === 0,
          showXTitle: metricIndex === METRICS.length - 1,
          positiveLambdas,
        }),
      ),
    })),
  };
  return renderSpec(spec);
}
