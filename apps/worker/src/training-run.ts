import type { Checkpoint, EpochMetrics, EpochVerdict, Evaluation, ModelArtifacts, TestPrediction } from '@lab/contracts';
import type { EpochSavedMessage, RunRequest, TrainingThreadInfo, TrainingThreadMessage } from './training-protocol.ts';
import type { TrainingThread, TrainingThreads } from './training-threads.ts';

export type TrainingRunOutcome =
  | { status: 'completed'; evaluation: Evaluation; predictions: TestPrediction[]; model: ModelArtifacts; weightsEpoch: number }
  | { status: 'stopped'; epochsDone: number };

export interface TrainingRunHandlers {
  /** The thread that will train the run is set up: what it trains with. */
  onStarted(info: TrainingThreadInfo): Promise<void>;
  /**
   * Must make the epoch durable and say what training does next (the run engine's answer); the thread
   * waits for it before training the next epoch.
   */
  onEpoch(metrics: EpochMetrics, checkpoint: Checkpoint): Promise<EpochVerdict>;
}

/** One experiment trained in one of the worker's training threads. `stop()` ends it at the next batch boundary. */
export class TrainingRun {
  readonly outcome: Promise<TrainingRunOutcome>;
  /** Read by the thread at every batch boundary; set before the run reaches it, it stops at the first. */
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));

  constructor(threads: TrainingThreads, request: Omit<RunRequest, 'type' | 'stopFlag'>, handlers: TrainingRunHandlers) {
    this.outcome = this.train(threads, { type: 'run', ...request, stopFlag: this.stopFlag.buffer as SharedArrayBuffer }, handlers);
  }

  stop(): void {
    Atomics.store(this.stopFlag, 0, 1);
  }

  private async train(threads: TrainingThreads, request: RunRequest, handlers: TrainingRunHandlers): Promise<TrainingRunOutcome> {
    const thread = await threads.take();
    try {
      await handlers.onStarted(thread.info);
    } catch (error) {
      threads.giveBack(thread);
      throw error;
    }
    return this.follow(threads, thread, request, handlers);
  }

  private follow(threads: TrainingThreads, thread: TrainingThread, request: RunRequest, handlers: TrainingRunHandlers): Promise<TrainingRunOutcome> {
    const { worker } = thread;
    return new Promise<TrainingRunOutcome>((resolve, reject) => {
      let settled = false;
      // Handlers run one at a time, in message order.
      let pending = Promise.resolve();
      const detach = () => {
        settled = true;
        worker.off('message', onMessage);
        worker.off('error', fail);
        worker.off('exit', onExit);
      };
      const end = (outcome: TrainingRunOutcome) => {
        if (settled) return;
        detach();
        threads.giveBack(thread);
        resolve(outcome);
      };
      const fail = (error: unknown) => {
        if (settled) return;
        detach();
        this.stop();
        threads.discard(thread);
        reject(error);
      };
      const onExit = (code: number) => fail(new Error(`training thread exited (code ${code}) without a result`));
      const onMessage = (message: TrainingThreadMessage) => {
        pending = pending
          .then(async () => {
            switch (message.type) {
              case 'ready':
                throw new Error('training thread set itself up again during a run');
              case 'epoch': {
                const verdict = await handlers.onEpoch(message.metrics, message.checkpoint);
                const saved: EpochSavedMessage = { type: 'epoch-saved', epoch: message.metrics.epoch, verdict };
                worker.postMessage(saved);
                return;
              }
              case 'completed':
                return end({
                  status: 'completed',
                  evaluation: message.evaluation,
                  predictions: message.predictions,
                  model: message.model,
                  weightsEpoch: message.weightsEpoch,
                });
              case 'stopped':
                return end({ status: 'stopped', epochsDone: message.epochsDone });
            }
          })
          .catch(fail);
      };
      worker.on('message', onMessage);
      worker.on('error', fail);
      worker.on('exit', onExit);
      worker.postMessage(request);
    });
  }
}
