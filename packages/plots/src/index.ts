export { renderLossPlot, LOSS_CURVES } from './loss-plot.ts';
export { renderAccuracyPlot } from './accuracy-plot.ts';
export { renderPredictionsPlot, PREDICTION_SERIES, type PredictionPoint } from './predictions-plot.ts';
export { renderSweepPlot, type SweepPlotRow } from './sweep-plot.ts';
