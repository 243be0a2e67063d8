import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { renderAccuracyPlot, renderLossPlot, renderPredictionsPlot, renderSweepPlot } from '../src/index.ts';
import { epochHistory } from './fixtures.ts';

// Vega-Lite reports a spec it has to correct (an unsupported channel, a dropped encoding) with a
// console warning and renders anyway: a warning means a plot silently differs from its spec.
test('no renderer makes Vega or Vega-Lite warn', async () => {
  const warn = mock.method(console, 'warn', () => {});
  const error = mock.method(console, 'error', () => {});
  try {
    const history = epochHistory(3);
    await renderLossPlot(history);
    await renderAccuracyPlot(history);
    await renderPredictionsPlot([{ index: 0, trueClass: 1, predictedClass: 2 }]);
    await renderSweepPlot([
      { lambda: 0, valAccuracyMean: 0.88, valAccuracySd: 0.01, gapMean: 0.05, gapSd: null },
      { lambda: 1e-5, valAccuracyMean: 0.87, valAccuracySd: null, gapMean: 0.02, gapSd: 0.01 },
    ]);
    await renderLossPlot([]);
    assert.deepEqual([...warn.mock.calls, ...error.mock.calls].map((call) => call.arguments), []);
  } finally {
    warn.mock.restore();
    error.mock.restore();
  }
});
