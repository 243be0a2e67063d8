import type { Config } from 'vega-lite';

/** The seed's matplotlib colours: training in blue ('b'), validation in red ('r'). */
export const COLORS = {
  training: '#1f4e9c',
  validation: '#d62728',
  /** The overfitting gap is neither set: a third, neutral hue. */
  gap: '#6a3d9a',
} as const;

export const SERIES = { training: 'Training', validation: 'Validation' } as const;

/** Outer size of a single-panel plot, axes and legends included. */
export const PLOT_SIZE = { width: 720, height: 360 } as const;

/** Fonts large enough to read when the SVG is shown at its natural size. */
export const THEME: Config = {
  font: 'Helvetica, Arial, sans-serif',
  title: { fontSize: 16, subtitleFontSize: 12, subtitleColor: '#555', anchor: 'start', offset: 12 },
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
  legend: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', orient: 'top', symbolStrokeWidth: 2, labelLimit: 320 },
  view: { stroke: '#ccc' },
  header: { labelFontSize: 12, titleFontSize: 13 },
};
