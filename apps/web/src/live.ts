// Live updates of one experiment or sweep, with the event streams' shape: every stored epoch once, in
// order, then each state change, until a final state.
// Until the API's event streams exist this polls the same cursor over REST (history's `afterEpoch`).
import {
  epochMetricsSchema,
  experimentSchema,
  FINISHED_STATUSES,
  historySchema,
  type EpochMetrics,
  type ExperimentStreamStatus,
} from '@lab/contracts';
import { getJson } from './api.ts';

const POLL_MS = 500;

export interface ExperimentWatcher {
  onEpoch(epoch: EpochMetrics): void;
  onStatus(status: ExperimentStreamStatus): void;
  /** False while the API cannot be reached; the watch goes on trying. */
  onConnection(connected: boolean): void;
}

/** Replays every stored epoch of the experiment, then follows it live. Returns a function that stops. */
export function watchExperiment(id: string, watcher: ExperimentWatcher): () => void {
  let stopped = false;
  let lastEpoch = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const path = `/v1/experiments/${encodeURIComponent(id)}`;
  const poll = async () => {
    try {
      const history = await getJson(`${path}/history?afterEpoch=${lastEpoch}`, historySchema);
      const experiment = await getJson(path, experimentSchema);
      if (stopped) return;
      watcher.onConnection(true);
      for (const epoch of history.epochs) {
        watcher.onEpoch(epochMetricsSchema.parse(epoch));
        lastEpoch = epoch.epoch;
      }
      watcher.onStatus({ experimentId: id, status: experiment.status, progress: experiment.progress, error: experiment.error });
      if (FINISHED_STATUSES.includes(experiment.status) && lastEpoch >= experiment.progress.epoch) return;
    } catch {
      if (stopped) return;
      watcher.onConnection(false);
    }
    timer = setTimeout(poll, POLL_MS);
  };
  void poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
