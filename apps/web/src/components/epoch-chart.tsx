import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { EpochMetrics } from '@lab/contracts';

export interface EpochSeries {
  label: string;
  color: string;
  /** Validation series are dashed, as the lesson's plots distinguish train and validation. */
  dashed?: boolean;
  value(epoch: EpochMetrics): number;
}

const HEIGHT = 220;

function chartData(epochs: readonly EpochMetrics[], series: readonly EpochSeries[]): uPlot.AlignedData {
  return [epochs.map((epoch) => epoch.epoch), ...series.map((line) => epochs.map((epoch) => line.value(epoch)))];
}

/**
 * Metrics per epoch, drawn by uPlot. The chart is built once and given new data as epochs arrive;
 * `data-points` says how many epochs it holds (read back from uPlot), which is what the browser tests watch.
 */
export function EpochChart({ title, yLabel, series, epochs }: { title: string; yLabel: string; series: readonly EpochSeries[]; epochs: readonly EpochMetrics[] }) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 300),
        height: HEIGHT,
        scales: { x: { time: false } },
        axes: [{ label: 'epoch' }, { label: yLabel, size: 60 }],
        series: [
          { label: 'epoch' },
          ...series.map((line) => ({
            label: line.label,
            stroke: line.color,
            width: 2,
            ...(line.dashed === true && { dash: [6, 4] }),
            points: { show: true, size: 5 },
          })),
        ],
      },
      chartData([], series),
      element,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 300), height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [series, yLabel]);

  useEffect(() => {
    const chart = plot.current;
    if (chart === null || container.current === null) return;
    chart.setData(chartData(epochs, series));
    container.current.dataset.points = String(chart.data[0].length);
  }, [epochs, series]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={container} class="chart-canvas" data-chart={title} />
    </figure>
  );
}
