// What each event stream sends: first a replay from Postgres after the client's cursor, then the live
// events the hub hands on. Events that arrive during a replay wait for it; anything already covered
// by the replay (an epoch at or below the cursor, a change at or below the version read) is dropped,
// so the client sees every epoch once, in order, with no gap between replay and live.
import {
  FINISHED_STATUSES,
  SSE_EVENT_NAMES,
  type ExperimentStatus,
  type ExperimentStreamStatus,
  type RunEvent,
  type SweepStreamStatus,
} from '@lab/contracts';
import { sweepProgress, sweepStatus } from '@lab/analysis';
import type { SweepReads } from '@lab/db';
import type { CachedReads } from '../read-cache/cached-reads.ts';
import type { EventStream } from './event-stream.ts';
import type { Follower } from './stream-hub.ts';

/** Runs replays one at a time and holds live events back while one runs. */
abstract class ReplayingFollower implements Follower {
  private replaying: Promise<void> | null = null;
  private again = false;
  private readonly held: RunEvent[] = [];

  constructor(protected readonly stream: EventStream) {}

  /** Reads what was stored after the cursor and sends it; then the held events. */
  start(): Promise<void> {
    if (this.replaying !== null) {
      this.again = true;
      return this.replaying;
    }
    this.replaying = (async () => {
      do {
        this.again = false;
        await this.replay();
      } while (this.again && this.stream.isOpen);
      for (const event of this.held.splice(0)) if (this.stream.isOpen) this.live(event);
    })()
      .catch(() => this.stream.close()) // a failed read: the client reconnects and resumes
      .finally(() => {
        this.replaying = null;
      });
    return this.replaying;
  }

  onEvent(event: RunEvent): void {
    if (!this.stream.isOpen) return;
    if (this.replaying !== null) this.held.push(event);
    else this.live(event);
  }

  onResync(): void {
    void this.start();
  }

  protected abstract replay(): Promise<void>;
  protected abstract live(event: RunEvent): void;
}

const isFinal = (status: ExperimentStatus) => FINISHED_STATUSES.includes(status);

/** `GET /v1/experiments/:id/events`: ids are epoch numbers. */
export class ExperimentFollower extends ReplayingFollower {
  private lastEpoch: number;
  private lastStatus: ExperimentStatus | null = null;
  private lastVersion = 0;

  /** Replays come from the versioned cache: a thousand dashboards opening on one run read it once. */
  constructor(
    stream: EventStream,
    private readonly reads: CachedReads,
    private readonly ownerId: string,
    private readonly experimentId: string,
    afterEpoch: number,
  ) {
    super(stream);
    this.lastEpoch = afterEpoch;
  }

  protected async replay(): Promise<void> {
    // The state first, then the epochs at that version: a final state's epochs were all committed before it.
    const found = await this.reads.experiment(this.ownerId, this.experimentId);
    if (found === null) return this.stream.close();
    const history = await this.reads.history(this.ownerId, this.experimentId, found.version);
    for (const [index, epoch] of history.epochNumbers.entries()) {
      if (epoch <= this.lastEpoch) continue;
      await this.stream.paced();
      this.lastEpoch = epoch;
      this.stream.sendJson(SSE_EVENT_NAMES.epoch, history.epochs[index]!, epoch);
    }
    const { experiment, version } = found;
    this.lastVersion = Math.max(this.lastVersion, version);
    this.sendStatus({ experimentId: experiment.id, status: experiment.status, progress: experiment.progress, error: experiment.error });
  }

  protected live(event: RunEvent): void {
    if (event.type === 'epoch') {
      this.sendEpoch(event.metrics);
      return;
    }
    if (event.version <= this.lastVersion) return;
    this.lastVersion = event.version;
    this.sendStatus({
      experimentId: event.experimentId,
      status: event.status,
      progress: { epoch: event.epochsDone, epochs: event.epochs },
      error: event.error,
    });
  }

  private sendEpoch(metrics: { epoch: number }): void {
    if (metrics.epoch <= this.lastEpoch) return;
    this.lastEpoch = metrics.epoch;
    this.stream.send(SSE_EVENT_NAMES.epoch, metrics, metrics.epoch);
  }

  private sendStatus(status: ExperimentStreamStatus): void {
    if (status.status !== this.lastStatus) {
      this.lastStatus = status.status;
      this.stream.send(SSE_EVENT_NAMES.status, status);
    }
    if (isFinal(status.status)) this.stream.close();
  }
}

/** `GET /v1/sweeps/:id/events`: ids are the sweep's epoch sequence (1, 2, 3… across its runs). */
export class SweepFollower extends ReplayingFollower {
  private lastSeq: number;
  private readonly runs = new Map<string, { status: ExperimentStatus; version: number }>();
  private lastStatus: string | null = null;

  constructor(
    stream: EventStream,
    private readonly reads: SweepReads,
    private readonly ownerId: string,
    private readonly sweepId: string,
    afterSeq: number,
  ) {
    super(stream);
    this.lastSeq = afterSeq;
  }

  protected async replay(): Promise<void> {
    const states = await this.reads.runStates(this.ownerId, this.sweepId);
    if (states.length === 0) return this.stream.close();
    const first = this.runs.size === 0;
    const changed: { experimentId: string; status: ExperimentStatus }[] = [];
    for (const { experimentId, status, version } of states) {
      const known = this.runs.get(experimentId);
      if (known !== undefined && known.version >= version) continue;
      this.runs.set(experimentId, { status, version });
      if (known !== undefined && known.status !== status) changed.push({ experimentId, status });
    }
    for (const epoch of await this.reads.epochsAfter(this.ownerId, this.sweepId, this.lastSeq)) {
      await this.stream.paced();
      this.sendEpoch(epoch.experimentId, epoch.sweepSeq, epoch.metrics);
    }
    // The first replay opens with the sweep's state; a later one (after a gap) tells what changed in it.
    if (first) this.sendStatus(null);
    for (const run of changed) this.sendStatus(run);
  }

  protected live(event: RunEvent): void {
    if (event.type === 'epoch') {
      if (event.sweepSeq !== null) this.sendEpoch(event.experimentId, event.sweepSeq, event.metrics);
      return;
    }
    const known = this.runs.get(event.experimentId);
    if (known !== undefined && event.version <= known.version) return;
    this.runs.set(event.experimentId, { status: event.status, version: event.version });
    if (known?.status !== event.status) this.sendStatus({ experimentId: event.experimentId, status: event.status });
  }

  private sendEpoch(experimentId: string, sweepSeq: number, metrics: object): void {
    if (sweepSeq <= this.lastSeq) return;
    this.lastSeq = sweepSeq;
    this.stream.send(SSE_EVENT_NAMES.epoch, { experimentId, ...metrics }, sweepSeq);
  }

  private sendStatus(run: SweepStreamStatus['run']): void {
    const statuses = [...this.runs.values()].map((state) => state.status);
    const status = sweepStatus(statuses);
    // The opening status is always sent; later ones whenever a run changed state.
    if (run !== null || this.lastStatus === null) {
      const message: SweepStreamStatus = { sweepId: this.sweepId, status, progress: sweepProgress(statuses), run };
      this.stream.send(SSE_EVENT_NAMES.status, message);
    }
    this.lastStatus = status;
    if (isFinal(status)) this.stream.close();
  }
}
