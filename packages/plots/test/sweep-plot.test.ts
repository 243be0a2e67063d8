import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderSweepPlot, type SweepPlotRow } from '../src/index.ts';
import { COLORS } from '../src/theme.ts';
import { ariaLabels, marks, pagePosition, parseSvg, visibleTexts } from './svg.ts';
import { assertDrawnInValueOrder } from './vertical-order.ts';

const rows: SweepPlotRow[] = [
  { lambda: 0, valAccuracyMean: 0.884, valAccuracySd: 0.003, gapMean: 0.09, gapSd: 0.006 },
  { lambda: 1e-6, valAccuracyMean: 0.886, valAccuracySd: 0.002, gapMean: 0.085, gapSd: 0.005 },
  { lambda: 1e-5, valAccuracyMean: 0.8856, valAccuracySd: null, gapMean: 0.07, gapSd: null },
  { lambda: 1e-4, valAccuracyMean: 0.879, valAccuracySd: 0.001, gapMean: 0.03, gapSd: 0.002 },
  { lambda: 1e-3, valAccuracyMean: 0.85, valAccuracySd: 0.006, gapMean: 0.005, gapSd: 0.003 },
];
const positive = rows.filter((row) => row.lambda > 0);

const describe = (row: SweepPlotRow, what: string, mean: number, sd: number | null) =>
  `λ = ${row.lambda === 0 ? '0' : row.lambda.toExponential()}: ${what} ${mean.toFixed(4)}${sd === null ? '' : ` ± ${sd.toFixed(4)}`}`;
const accuracyLabels = rows.map((row) => describe(row, 'validation accuracy', row.valAccuracyMean, row.valAccuracySd));
const gapLabels = rows.map((row) => describe(row, 'overfitting gap: training − validation accuracy', row.gapMean, row.gapSd));

test('sweep plot: titles, axis titles, λ = 0 apart and the log axis labelled at the sweep’s λ values', async () => {
  const svg = parseSvg(await renderSweepPlot(rows));
  const texts = visibleTexts(svg);
  for (const expected of [
    'Validation accuracy and overfitting gap against λ',
    'Points: mean over seeds; error bars: ± 1 standard deviation',
    'Validation accuracy',
    'Overfitting gap: training − validation accuracy',
    'Accuracy',
    'Accuracy gap',
    'λ = 0',
    'λ, activity-regularization factor (log scale)',
    '1e-6',
    '1e-5',
    '1e-4',
    '1e-3',
  ]) {
    assert.ok(texts.includes(expected), `missing text ${JSON.stringify(expected)} in ${JSON.stringify(texts)}`);
  }
});

test('sweep plot: one dot per λ and metric with its mean ± sd, λ = 0 included, in λ order', async () => {
  const svg = parseSvg(await renderSweepPlot(rows));
  const points = marks(svg, 'point');
  // Per metric: the λ = 0 panel is drawn first, then the log panel in the rows' order.
  assert.deepEqual(ariaLabels(points), [...accuracyLabels, ...gapLabels]);
  assert.deepEqual(
    points.map((point) => point.attributes.fill),
    [...rows.map(() => COLORS.validation), ...rows.map(() => COLORS.gap)],
  );
});

test('sweep plot: error bars exactly where an sd is given', async () => {
  const svg = parseSvg(await renderSweepPlot(rows));
  const withSd = (labels: string[], sds: (number | null)[]) => labels.filter((_, i) => sds[i] !== null);
  assert.deepEqual(ariaLabels(marks(svg, 'errorbar')), [
    ...withSd(accuracyLabels, rows.map((row) => row.valAccuracySd)),
    ...withSd(gapLabels, rows.map((row) => row.gapSd)),
  ]);
});

test('sweep plot: λ = 0 sits left of a log axis on which decades are evenly spaced; higher is better drawn higher', async () => {
  const svg = parseSvg(await renderSweepPlot(rows));
  const positions = marks(svg, 'point').map((point) => pagePosition(svg, point));
  const accuracy = positions.slice(0, rows.length);
  const [zero, ...logPanel] = accuracy.map(([x]) => x);
  assert.ok(logPanel.every((x) => x > zero! + 30), `λ = 0 at x ${zero}, log panel at ${logPanel}`);
  const steps = logPanel.slice(1).map((x, i) => x - logPanel[i]!);
  assert.equal(steps.length, positive.length - 1);
  for (const step of steps) assert.ok(step > 0 && Math.abs(step - steps[0]!) < 0.01, `uneven decades: ${steps}`);
  // The λ = 0 panel shares the y scale of its row.
  assertDrawnInValueOrder(rows.map((row) => row.valAccuracyMean), accuracy.map(([, y]) => y));
  assertDrawnInValueOrder(rows.map((row) => row.gapMean), positions.slice(rows.length).map(([, y]) => y));
});

test('sweep plot: without λ = 0 there is no λ = 0 panel, and without any sd no error bars nor their note', async () => {
  const noSpread = positive.map((row) => ({ ...row, valAccuracySd: null, gapSd: null }));
  const svg = parseSvg(await renderSweepPlot(noSpread));
  const texts = visibleTexts(svg);
  assert.ok(!texts.includes('λ = 0'));
  assert.ok(!texts.some((text) => text.includes('error bars')));
  assert.equal(marks(svg, 'errorbar').length, 0);
  assert.equal(marks(svg, 'point').length, 2 * noSpread.length);
});

test('sweep plot: a sweep of λ = 0 alone is drawn, without a log axis', async () => {
  const svg = parseSvg(await renderSweepPlot(rows.slice(0, 1)));
  const texts = visibleTexts(svg);
  assert.ok(texts.includes('λ = 0'));
  assert.ok(!texts.includes('λ, activity-regularization factor (log scale)'));
  assert.deepEqual(ariaLabels(marks(svg, 'point')), [accuracyLabels[0], gapLabels[0]]);
});

test('sweep plot: no rows gives a valid SVG saying "no data yet"', async () => {
  const svg = parseSvg(await renderSweepPlot([]));
  assert.deepEqual(visibleTexts(svg), ['no data yet', 'Validation accuracy and overfitting gap against λ']);
});
