import type { RunEvent } from '@lab/contracts';
import type { RunEngine, RunEventListener } from '@lab/runs';

export interface Follower {
  /** A lifecycle event of the run (or sweep) followed. */
  onEvent(event: RunEvent): void;
  /** Listening restarted after a gap: events may have been missed, read the state again. */
  onResync(): void;
}

/**
 * Hands each lifecycle event to the streams that follow its run or its sweep: one LISTEN connection
 * per process, however many streams are open. Events of this process's own changes come from the
 * engine at once; the same ones come again from Postgres, and every stream drops what it has sent.
 */
export class StreamHub {
  private readonly byRun = new Map<string, Set<Follower>>();
  private readonly bySweep = new Map<string, Set<Follower>>();
  private readonly closers = new Set<() => void>();

  constructor(events: RunEventListener, engine: RunEngine) {
    events.on('event', (event) => this.dispatch(event));
    engine.on('committed', (event) => this.dispatch(event));
    events.on('listening', () => {
      for (const followers of [...this.byRun.values(), ...this.bySweep.values()]) for (const follower of followers) follower.onResync();
    });
  }

  /** Follows a run (or, with `sweep`, a sweep) until the returned function is called. */
  follow(kind: 'run' | 'sweep', id: string, follower: Follower): () => void {
    const index = kind === 'run' ? this.byRun : this.bySweep;
    const followers = index.get(id) ?? new Set<Follower>();
    followers.add(follower);
    index.set(id, followers);
    return () => {
      followers.delete(follower);
      if (followers.size === 0) index.delete(id);
    };
  }

  /** Registers how to end an open stream at shutdown; returns the unregistration. */
  track(close: () => void): () => void {
    this.closers.add(close);
    return () => this.closers.delete(close);
  }

  /** Streams open in this process. */
  get openStreams(): number {
    return this.closers.size;
  }

  /** Ends every open stream (the server cannot close while they are open). */
  closeAll(): void {
    for (const close of [...this.closers]) close();
  }

  private dispatch(event: RunEvent): void {
    for (const follower of this.byRun.get(event.experimentId) ?? []) follower.onEvent(event);
    if (event.sweepId !== null) for (const follower of this.bySweep.get(event.sweepId) ?? []) follower.onEvent(event);
  }
}
