import type { Worker } from 'node:worker_threads';
import type { TrainingThreadInfo, TrainingThreadInput, TrainingThreadMessage } from './training-protocol.ts';
import { typeScriptBundle } from './typescript-bundle.ts';
import { startTypeScriptThread } from './typescript-thread.ts';

const THREAD_ENTRY = new URL('./training-thread.ts', import.meta.url);
/**
 * A training step allocates JavaScript objects fast enough that V8 grows the thread's young
 * generation to its 32 MiB default and keeps it resident; 8 MiB took ~28 MiB off the worker's
 * peak with no slower epochs (measured on the lesson's configuration).
 */
const TRAINING_THREAD_LIMITS = { maxYoungGenerationSizeMb: 8 };

/** Bundles the training thread's entry ahead of the first thread (one would otherwise do it, once per process). */
export async function prepareTrainingThread(): Promise<void> {
  await typeScriptBundle(THREAD_ENTRY);
}

/** A training thread that is set up: free, or training one run. */
export interface TrainingThread {
  readonly worker: Worker;
  readonly info: TrainingThreadInfo;
}

/**
 * A worker process's training threads, kept from one run to the next. Setting a thread up (the
 * backend, the dataset's decode, the warm-up of training's code) is paid once per thread instead of
 * once per run. A run takes a free thread, or starts one, and gives it back when it has ended; a
 * thread whose run failed trains no other, so the next run gets a fresh one.
 */
export class TrainingThreads {
  /** Free threads, or threads still setting up that no run has taken yet. */
  private readonly free: Promise<TrainingThread>[] = [];
  /** Every thread started and not exited: free, setting up, or training. */
  private readonly alive = new Set<Worker>();
  private closed = false;

  constructor(
    private readonly input: TrainingThreadInput,
    /** Called for every thread started (the worker counts them: a rising count means runs are failing). */
    private readonly onStart: () => void = () => {},
  ) {}

  /**
   * Starts `count` threads now, so that the first runs find them set up. Resolves once they are, with
   * what they train with; rejects when one cannot be set up (say, a backend that is not installed).
   */
  async prepare(count: number): Promise<TrainingThreadInfo> {
    const starting = Array.from({ length: Math.max(1, count) }, () => this.start());
    this.free.push(...starting);
    const [first] = await Promise.all(starting);
    return first!.info;
  }

  /** A free thread, set up; rejects with the reason when a thread cannot be set up. */
  async take(): Promise<TrainingThread> {
    if (this.closed) throw new Error('the worker is closing: no training thread is left');
    for (let next = this.free.shift(); next !== undefined; next = this.free.shift()) {
      // One that failed to set up fails the run, as a thread started for it would.
      const thread = await next;
      if (this.alive.has(thread.worker)) return thread;
    }
    return this.start();
  }

  /** The thread's run has ended as the protocol says: the thread is free for the next one. */
  giveBack(thread: TrainingThread): void {
    if (this.closed || !this.alive.has(thread.worker)) void thread.worker.terminate();
    else this.free.push(Promise.resolve(thread));
  }

  /** The thread's run failed, or it is in a state no run should inherit: it ends. */
  discard(thread: TrainingThread): void {
    void thread.worker.terminate();
  }

  /** Terminates every thread, free or training (a run still training fails). Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    this.free.length = 0;
    await Promise.all([...this.alive].map((worker) => worker.terminate()));
  }

  private start(): Promise<TrainingThread> {
    const setUp = (async () => {
      const worker = await startTypeScriptThread(THREAD_ENTRY, this.input, TRAINING_THREAD_LIMITS);
      this.alive.add(worker);
      this.onStart();
      // A run listens to its own thread's errors; one while the thread is free only ends it (see 'exit').
      worker.on('error', () => {});
      worker.once('exit', () => this.alive.delete(worker));
      if (this.closed) void worker.terminate();
      return new Promise<TrainingThread>((resolve, reject) => {
        const onExit = (code: number) => reject(new Error(`training thread exited (code ${code}) before it was set up`));
        worker.once('error', reject);
        worker.once('exit', onExit);
        worker.once('message', (message: TrainingThreadMessage) => {
          worker.off('error', reject);
          worker.off('exit', onExit);
          if (message.type === 'ready') resolve({ worker, info: { backend: message.backend, dataset: message.dataset } });
          else reject(new Error(`training thread sent '${message.type}' before it was set up`));
        });
      });
    })();
    // Marked handled: a prepared thread that fails is reported to the run that takes it.
    setUp.catch(() => {});
    return setUp;
  }
}
