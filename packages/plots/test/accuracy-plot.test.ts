import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderAccuracyPlot } from '../src/index.ts';
import { COLORS } from '../src/theme.ts';
import { epochHistory } from './fixtures.ts';
import { ariaLabels, marks, pagePosition, parseSvg, visibleTexts } from './svg.ts';
import { assertDrawnInValueOrder } from './vertical-order.ts';

const history = epochHistory(6);

test('accuracy plot: axis titles and the training / validation legend, no curve legend', async () => {
  const svg = parseSvg(await renderAccuracyPlot(history));
  assert.equal(svg.attributes.width, '720');
  assert.equal(svg.attributes.height, '360');
  const texts = visibleTexts(svg);
  for (const expected of ['Accuracy per epoch: training and validation', 'Epoch', 'Accuracy', 'Data set', 'Training', 'Validation']) {
    assert.ok(texts.includes(expected), `missing text ${JSON.stringify(expected)} in ${JSON.stringify(texts)}`);
  }
  assert.ok(!texts.includes('Curve'));
});

test('accuracy plot: one blue and one red line, one dot per epoch and set with its value, in order', async () => {
  const svg = parseSvg(await renderAccuracyPlot(history, { title: 'Seed run' }));
  assert.ok(visibleTexts(svg).includes('Seed run'));
  assert.deepEqual(
    marks(svg, 'line mark').map((line) => line.attributes.stroke),
    [COLORS.training, COLORS.validation],
  );
  const points = marks(svg, 'point');
  assert.deepEqual(
    ariaLabels(points),
    history.flatMap((row) => [
      `Epoch ${row.epoch}, training accuracy: ${row.accuracy.toFixed(4)}`,
      `Epoch ${row.epoch}, validation accuracy: ${row.valAccuracy.toFixed(4)}`,
    ]),
  );
  assert.deepEqual(
    points.map((point) => point.attributes.fill),
    history.flatMap(() => [COLORS.training, COLORS.validation]),
  );
  assertDrawnInValueOrder(
    history.flatMap((row) => [row.accuracy, row.valAccuracy]),
    points.map((point) => pagePosition(svg, point)[1]),
  );
});

test('accuracy plot: an empty history gives a valid SVG saying "no data yet"', async () => {
  const svg = parseSvg(await renderAccuracyPlot([]));
  assert.deepEqual(visibleTexts(svg), ['no data yet', 'Accuracy per epoch: training and validation']);
  assert.equal(marks(svg, 'point').length, 0);
});
