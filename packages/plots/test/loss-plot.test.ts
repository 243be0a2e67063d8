import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOSS_CURVES, renderLossPlot } from '../src/index.ts';
import { COLORS } from '../src/theme.ts';
import { epochHistory } from './fixtures.ts';
import { ariaLabels, marks, pagePosition, parseSvg, visibleTexts } from './svg.ts';
import { assertDrawnInValueOrder } from './vertical-order.ts';

const history = epochHistory(5);

test('loss plot: a 720×360 SVG with axis titles and both legends', async () => {
  const svg = parseSvg(await renderLossPlot(history));
  assert.equal(svg.name, 'svg');
  assert.equal(svg.attributes.width, '720');
  assert.equal(svg.attributes.height, '360');
  const texts = visibleTexts(svg);
  for (const expected of ['Loss per epoch: training and validation', 'Epoch', 'Loss', 'Data set', 'Training', 'Validation', 'Curve', LOSS_CURVES.total, LOSS_CURVES.crossEntropy]) {
    assert.ok(texts.includes(expected), `missing text ${JSON.stringify(expected)} in ${JSON.stringify(texts)}`);
  }
});

test('loss plot: one dot per epoch and curve, each labelled with its value, in epoch order', async () => {
  const svg = parseSvg(await renderLossPlot(history));
  const points = marks(svg, 'point');
  assert.deepEqual(
    ariaLabels(points),
    history.flatMap((row) => [
      `Epoch ${row.epoch}, training loss (cross-entropy + penalty): ${row.loss.toFixed(4)}`,
      `Epoch ${row.epoch}, validation loss (cross-entropy + penalty): ${row.valLoss.toFixed(4)}`,
      `Epoch ${row.epoch}, training cross-entropy only: ${row.crossEntropy.toFixed(4)}`,
      `Epoch ${row.epoch}, validation cross-entropy only: ${row.valCrossEntropy.toFixed(4)}`,
    ]),
  );
  const values = history.flatMap((row) => [row.loss, row.valLoss, row.crossEntropy, row.valCrossEntropy]);
  const positions = points.map((point) => pagePosition(svg, point));
  assertDrawnInValueOrder(values, positions.map(([, y]) => y));
  // Epochs run left to right.
  const trainingLossXs = positions.filter((_, i) => i % 4 === 0).map(([x]) => x);
  assert.deepEqual(trainingLossXs, [...trainingLossXs].sort((a, b) => a - b));
  assert.equal(new Set(trainingLossXs).size, history.length);
  assert.deepEqual(
    points.slice(0, 4).map((point) => point.attributes.fill),
    [COLORS.training, COLORS.validation, COLORS.training, COLORS.validation],
  );
});

test('loss plot: four lines, training blue and validation red, cross-entropy dashed', async () => {
  const svg = parseSvg(await renderLossPlot(history));
  const lines = marks(svg, 'line mark');
  assert.equal(lines.length, 4);
  const line = (set: string, curve: string) => {
    const found = lines.filter((element) => element.attributes['aria-label']?.includes(`Data set: ${set}; Curve: ${curve}`));
    assert.equal(found.length, 1, `one line for ${set} / ${curve}`);
    return found[0]!.attributes;
  };
  const solid = (attributes: Record<string, string>) => [undefined, '1,0'].includes(attributes['stroke-dasharray']);
  assert.equal(line('Training', LOSS_CURVES.total).stroke, COLORS.training);
  assert.equal(line('Validation', LOSS_CURVES.total).stroke, COLORS.validation);
  assert.ok(solid(line('Training', LOSS_CURVES.total)));
  assert.ok(solid(line('Validation', LOSS_CURVES.total)));
  assert.equal(line('Training', LOSS_CURVES.crossEntropy).stroke, COLORS.training);
  assert.equal(line('Validation', LOSS_CURVES.crossEntropy)['stroke-dasharray'], '6,4');
  assert.equal(line('Training', LOSS_CURVES.crossEntropy)['stroke-dasharray'], '6,4');
});

test('loss plot: a title with markup characters is escaped by Vega and reads back unchanged', async () => {
  const title = 'Loss <λ = 1e-5> & "friends"';
  const raw = await renderLossPlot(history, { title });
  assert.ok(!raw.includes('<λ'));
  assert.ok(visibleTexts(parseSvg(raw)).includes(title));
});

test('loss plot: an empty history gives a valid SVG saying "no data yet"', async () => {
  const svg = parseSvg(await renderLossPlot([], { title: 'Run 7: loss' }));
  assert.equal(svg.name, 'svg');
  assert.deepEqual(visibleTexts(svg), ['no data yet', 'Run 7: loss']);
  assert.equal(marks(svg, 'point').length, 0);
});
