/**
 * Entry of a training thread: everything CPU-heavy (dataset decode, tfjs) runs here, so the worker's
 * event loop stays free to renew job locks, write to Postgres and notice cancellation.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadFashionMnist } from '@lab/dataset';
import { evaluateModel, firstExamples, initBackend, serializeModel, train } from '@lab/trainer';
import type { EpochSavedMessage, TrainingThreadInput, TrainingThreadMessage } from './training-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('training-thread.ts must run in a worker thread');
const { input } = workerData as { input: TrainingThreadInput };
const stopFlag = new Int32Array(input.stopFlag);
const send = (message: TrainingThreadMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/** Resolves when the parent confirms that `epoch` is stored. */
function epochSaved(epoch: number): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: EpochSavedMessage) => {
      if (message.type !== 'epoch-saved' || message.epoch !== epoch) return;
      port!.off('message', onMessage);
      resolve();
    };
    port!.on('message', onMessage);
  });
}

const backend = await initBackend(input.backend.preference, { wasmThreads: input.backend.wasmThreads });
const dataset = await loadFashionMnist(input.dataset);
send({ type: 'started', backend, dataset: { source: dataset.source, version: dataset.version } });

const { spec } = input;
const data = { train: firstExamples(dataset.train, spec.trainLimit), test: firstExamples(dataset.test, spec.testLimit) };
const outcome = await train({
  spec,
  data,
  resumeFrom: input.resumeFrom,
  shouldStop: () => Atomics.load(stopFlag, 0) !== 0,
  onEpoch: async (metrics, checkpoint) => {
    const saved = epochSaved(metrics.epoch);
    send({ type: 'epoch', metrics, checkpoint }, [
      checkpoint.weights.data.buffer as ArrayBuffer,
      checkpoint.optimizer.data.buffer as ArrayBuffer,
    ]);
    await saved;
  },
});

if (outcome.status === 'stopped') {
  send({ type: 'stopped', epochsDone: outcome.epochsDone });
} else {
  const { evaluation, predictions } = evaluateModel(outcome.model, data);
  const model = await serializeModel(outcome.model);
  send({ type: 'completed', evaluation, predictions, model }, [model.weightData.buffer as ArrayBuffer]);
}
outcome.model.dispose();
port.close();
