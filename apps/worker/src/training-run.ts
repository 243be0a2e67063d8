import type { Worker } from 'node:worker_threads';
import type { Checkpoint, EpochMetrics, EpochVerdict, Evaluation, ModelArtifacts, TestPrediction } from '@lab/contracts';
import type { BackendInfo } from '@lab/trainer';
import type { EpochSavedMessage, TrainingThreadInput, TrainingThreadMessage } from './training-protocol.ts';
import { typeScriptBundle } from './typescript-bundle.ts';
import { startTypeScriptThread } from './typescript-thread.ts';

export type TrainingRunOutcome =
  | { status: 'completed'; evaluation: Evaluation; predictions: TestPrediction[]; model: ModelArtifacts; weightsEpoch: number }
  | { status: 'stopped'; epochsDone: number };

export interface TrainingRunHandlers {
  onStarted(info: { backend: BackendInfo; dataset: { source: string; version: string } }): Promise<void>;
  /**
   * Must make the epoch durable and say what training does next (the run engine's answer); the thread
   * waits for it before training the next epoch.
   */
  onEpoch(metrics: EpochMetrics, checkpoint: Checkpoint): Promise<EpochVerdict>;
}

const THREAD_ENTRY = new URL('./training-thread.ts', import.meta.url);
/**
 * A training step allocates JavaScript objects fast enough that V8 grows the thread's young
 * generation to its 32 MiB default and keeps it resident; 8 MiB took ~28 MiB off the worker's
 * peak with no slower epochs (measured on the lesson's configuration).
 */
const TRAINING_THREAD_LIMITS = { maxYoungGenerationSizeMb: 8 };

/** Bundles the training thread's entry ahead of the first run (runs would otherwise do it, once per process). */
export async function prepareTrainingThread(): Promise<void> {
  await typeScriptBundle(THREAD_ENTRY);
}

/** One experiment trained in its own thread. `stop()` ends it at the next batch boundary. */
export class TrainingRun {
  readonly outcome: Promise<TrainingRunOutcome>;

  private constructor(
    private readonly thread: Worker,
    private readonly stopFlag: Int32Array,
    handlers: TrainingRunHandlers,
  ) {
    this.outcome = this.follow(handlers);
  }

  static async start(input: Omit<TrainingThreadInput, 'stopFlag'>, handlers: TrainingRunHandlers): Promise<TrainingRun> {
    const stopFlag = new Int32Array(new SharedArrayBuffer(4));
    const threadInput: TrainingThreadInput = { ...input, stopFlag: stopFlag.buffer as SharedArrayBuffer };
    return new TrainingRun(await startTypeScriptThread(THREAD_ENTRY, threadInput, TRAINING_THREAD_LIMITS), stopFlag, handlers);
  }

  stop(): void {
    Atomics.store(this.stopFlag, 0, 1);
  }

  private follow(handlers: TrainingRunHandlers): Promise<TrainingRunOutcome> {
    return new Promise<TrainingRunOutcome>((resolve, reject) => {
      let outcome: TrainingRunOutcome | null = null;
      // Handlers run one at a time, in message order: an epoch is never stored before 'started'.
      let pending = Promise.resolve();
      const fail = (error: unknown) => {
        this.stop();
        void this.thread.terminate();
        reject(error);
      };
      this.thread.on('message', (message: TrainingThreadMessage) => {
        pending = pending
          .then(async () => {
            switch (message.type) {
              case 'started':
                return handlers.onStarted(message);
              case 'epoch': {
                const verdict = await handlers.onEpoch(message.metrics, message.checkpoint);
                const saved: EpochSavedMessage = { type: 'epoch-saved', epoch: message.metrics.epoch, verdict };
                this.thread.postMessage(saved);
                return;
              }
              case 'completed':
                outcome = {
                  status: 'completed',
                  evaluation: message.evaluation,
                  predictions: message.predictions,
                  model: message.model,
                  weightsEpoch: message.weightsEpoch,
                };
                return;
              case 'stopped':
                outcome = { status: 'stopped', epochsDone: message.epochsDone };
                return;
            }
          })
          .catch(fail);
      });
      this.thread.on('error', fail);
      this.thread.on('exit', (code) => {
        void pending.then(() => {
          if (outcome !== null) resolve(outcome);
          else reject(new Error(`training thread exited (code ${code}) without a result`));
        });
      });
    });
  }
}
