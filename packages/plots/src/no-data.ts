import type { TopLevelSpec } from 'vega-lite';
import { PLOT_SIZE, THEME } from './theme.ts';

/** The placeholder drawn while there is nothing to plot: same size and title as the real plot. */
export function noDataSpec(title: string): TopLevelSpec {
  return {
    title,
    ...PLOT_SIZE,
    autosize: { type: 'fit', contains: 'padding' },
    config: { ...THEME, view: { stroke: null } },
    data: { values: [{ message: 'no data yet' }] },
    mark: { type: 'text', fontSize: 20, color: '#777' },
    encoding: { text: { field: 'message' } },
  };
}
