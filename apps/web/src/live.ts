// Live updates of one experiment or sweep from the API's event streams (`GET …/events`): every stored
// epoch once, in order, then each state change, until a final state. The browser's EventSource
// reconnects by itself after a dropped connection and resumes with `Last-Event-ID`: no gap, no repeat.
import {
  epochMetricsSchema,
  experimentStreamStatusSchema,
  FINISHED_STATUSES,
  SSE_EVENT_NAMES,
  sweepStreamStatusSchema,
  type EpochMetrics,
  type ExperimentStreamStatus,
} from '@lab/contracts';
import { openEventStream } from './api.ts';

interface Connection {
  /** False while the stream is down; the browser goes on reconnecting. */
  onConnection(connected: boolean): void;
}

export interface ExperimentWatcher extends Connection {
  onEpoch(epoch: EpochMetrics): void;
  onStatus(status: ExperimentStreamStatus): void;
}

export interface SweepWatcher extends Connection {
  /** A run of the sweep stored an epoch or changed state. */
  onChange(): void;
}

const parse = <T>(schema: { parse(data: unknown): T }, event: MessageEvent<string>): T => schema.parse(JSON.parse(event.data));

/** Opens `path`'s stream; closes it after a final status, which the server ends the stream with (else the browser would reconnect). */
function follow(path: string, watcher: Connection, onEvent: (name: string, event: MessageEvent<string>) => { finished: boolean }): () => void {
  const source = openEventStream(path);
  for (const name of Object.values(SSE_EVENT_NAMES)) {
    source.addEventListener(name, (event) => {
      if (onEvent(name, event).finished) source.close();
    });
  }
  source.addEventListener('open', () => watcher.onConnection(true));
  source.addEventListener('error', () => watcher.onConnection(false));
  return () => source.close();
}

/** Replays every stored epoch of the experiment, then follows it live. Returns a function that stops. */
export function watchExperiment(id: string, watcher: ExperimentWatcher): () => void {
  return follow(`/v1/experiments/${encodeURIComponent(id)}/events`, watcher, (name, event) => {
    if (name === SSE_EVENT_NAMES.epoch) {
      watcher.onEpoch(parse(epochMetricsSchema, event));
      return { finished: false };
    }
    const status = parse(experimentStreamStatusSchema, event);
    watcher.onStatus(status);
    return { finished: FINISHED_STATUSES.includes(status.status) };
  });
}

/** Calls `onChange` as the sweep's runs store epochs and change state. Returns a function that stops. */
export function watchSweep(id: string, watcher: SweepWatcher): () => void {
  return follow(`/v1/sweeps/${encodeURIComponent(id)}/events`, watcher, (name, event) => {
    watcher.onChange();
    return { finished: name === SSE_EVENT_NAMES.status && FINISHED_STATUSES.includes(parse(sweepStreamStatusSchema, event).status) };
  });
}
