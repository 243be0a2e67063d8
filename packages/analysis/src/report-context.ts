import type { SweepRunRecord } from '@lab/contracts';

/** How a sweep was trained, as its runs stored it: what the report says beside the figures. */
export interface SweepReportContext {
  /** Each distinct backend the runs trained on. */
  backends: Array<{ backend: string; tfjsVersion: string | null }>;
  /** Each distinct dataset the runs trained on. */
  datasets: Array<{ source: string; version: string }>;
  /** The first start and the last finish of the runs that started: the sweep's wall time. */
  firstStartedAt: Date | null;
  lastFinishedAt: Date | null;
  /** The most runs that were training at the same moment (an unfinished run counts as still training). */
  maxConcurrentRuns: number;
}

const distinct = <T>(values: readonly T[], key: (value: T) => string): T[] => [...new Map(values.map((value) => [key(value), value])).values()];

export function sweepReportContext(runs: readonly SweepRunRecord[]): SweepReportContext {
  const started = runs.flatMap((run) => (run.startedAt === null ? [] : [{ start: run.startedAt, finish: run.finishedAt }]));
  const finishes = started.flatMap((run) => (run.finish === null ? [] : [run.finish.getTime()]));
  // A sweep line over starts (+1) and finishes (−1); at the same instant a finish frees its slot first.
  const events = started
    .flatMap((run) => [
      { at: run.start.getTime(), step: 1 },
      { at: run.finish?.getTime() ?? Number.POSITIVE_INFINITY, step: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.step - b.step);
  let training = 0;
  let maxConcurrentRuns = 0;
  for (const event of events) {
    training += event.step;
    maxConcurrentRuns = Math.max(maxConcurrentRuns, training);
  }
  return {
    backends: distinct(
      runs.flatMap((run) => (run.backend === null ? [] : [{ backend: run.backend, tfjsVersion: run.tfjsVersion }])),
      (value) => `${value.backend} ${value.tfjsVersion}`,
    ),
    datasets: distinct(
      runs.flatMap((run) => (run.dataset === null ? [] : [run.dataset])),
      (value) => `${value.source} ${value.version}`,
    ),
    firstStartedAt: started.length === 0 ? null : new Date(Math.min(...started.map((run) => run.start.getTime()))),
    lastFinishedAt: finishes.length === 0 ? null : new Date(Math.max(...finishes)),
    maxConcurrentRuns,
  };
}
