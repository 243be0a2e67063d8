import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLASS_NAMES } from '@lab/contracts';
import { PREDICTION_SERIES, renderPredictionsPlot, type PredictionPoint } from '../src/index.ts';
import { COLORS } from '../src/theme.ts';
import { ariaLabels, marks, pagePosition, parseSvg, visibleTexts } from './svg.ts';

// Images 1 and 4 are misclassified; every other prediction is right.
const points: PredictionPoint[] = [
  { index: 0, trueClass: 9, predictedClass: 9 },
  { index: 1, trueClass: 2, predictedClass: 6 },
  { index: 2, trueClass: 1, predictedClass: 1 },
  { index: 3, trueClass: 0, predictedClass: 0 },
  { index: 4, trueClass: 6, predictedClass: 0 },
  { index: 5, trueClass: 7, predictedClass: 7 },
];

test('predictions plot: axis titles, the legend and every class name on the y axis', async () => {
  const svg = parseSvg(await renderPredictionsPlot(points));
  const texts = visibleTexts(svg);
  for (const expected of ['True vs predicted class, first 6 test images', 'Test image (index)', 'Class', PREDICTION_SERIES.truth, PREDICTION_SERIES.predicted, ...CLASS_NAMES]) {
    assert.ok(texts.includes(expected), `missing text ${JSON.stringify(expected)} in ${JSON.stringify(texts)}`);
  }
});

test('predictions plot: a blue dot per true class, then a red dot per prediction, in image order', async () => {
  const svg = parseSvg(await renderPredictionsPlot(points));
  const dots = marks(svg, 'point');
  assert.deepEqual(ariaLabels(dots), [
    ...points.map((point) => `Test image ${point.index}: true class ${CLASS_NAMES[point.trueClass]}`),
    ...points.map((point) => `Test image ${point.index}: predicted class ${CLASS_NAMES[point.predictedClass]}`),
  ]);
  assert.deepEqual(
    dots.map((dot) => dot.attributes.fill),
    [...points.map(() => COLORS.training), ...points.map(() => COLORS.validation)],
  );
});

test('predictions plot: class 0 at the bottom, images left to right, a right answer on its true dot', async () => {
  const svg = parseSvg(await renderPredictionsPlot(points));
  const positions = marks(svg, 'point').map((dot) => pagePosition(svg, dot));
  const truth = positions.slice(0, points.length);
  const predicted = positions.slice(points.length);
  // Higher class index, higher on the plot (smaller y), as the seed's numeric axis.
  const yOfClass = (classIndex: number) => truth[points.findIndex((point) => point.trueClass === classIndex)]![1];
  assert.ok(yOfClass(0) > yOfClass(1) && yOfClass(1) > yOfClass(2) && yOfClass(2) > yOfClass(9));
  const xs = truth.map(([x]) => x);
  assert.deepEqual(xs, [...xs].sort((a, b) => a - b));
  assert.equal(new Set(xs).size, points.length);
  points.forEach((point, i) => {
    assert.equal(predicted[i]![0], truth[i]![0], `image ${point.index}: both dots in one column`);
    assert.equal(predicted[i]![1] === truth[i]![1], point.trueClass === point.predictedClass, `image ${point.index}`);
  });
});

test('predictions plot: a class outside Fashion-MNIST is a RangeError naming it', async () => {
  await assert.rejects(renderPredictionsPlot([{ index: 0, trueClass: 3, predictedClass: 10 }]), {
    name: 'RangeError',
    message: /class 10/,
  });
});

test('predictions plot: no points gives a valid SVG saying "no data yet"', async () => {
  const svg = parseSvg(await renderPredictionsPlot([], { title: 'Predictions' }));
  assert.deepEqual(visibleTexts(svg), ['no data yet', 'Predictions']);
});
