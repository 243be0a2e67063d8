/**
 * Entry of a training thread: everything CPU-heavy (dataset decode, tfjs) runs here, so the worker's
 * event loop stays free to renew job locks, write to Postgres and notice cancellation. A thread lives
 * as long as it trains runs without failing: it selects the backend, decodes the dataset and warms up
 * once, then trains the runs it is sent one after another.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadFashionMnist } from '@lab/dataset';
import type { EncodedTensors, EpochVerdict } from '@lab/contracts';
import { decodeTensors, evaluateModel, firstExamples, initBackend, serializeModel, train, warmUpTraining } from '@lab/trainer';
import type { ParentMessage, RunRequest, TrainingThreadInput, TrainingThreadMessage } from './training-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('training-thread.ts must run in a worker thread');
const { input } = workerData as { input: TrainingThreadInput };
const send = (message: TrainingThreadMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/** Resolves with the run engine's answer once the parent confirms that `epoch` is stored. */
function epochSaved(epoch: number): Promise<EpochVerdict> {
  return new Promise((resolve) => {
    const onMessage = (message: ParentMessage) => {
      if (message.type !== 'epoch-saved' || message.epoch !== epoch) return;
      port!.off('message', onMessage);
      resolve(message.verdict);
    };
    port!.on('message', onMessage);
  });
}

const backend = await initBackend(input.backend.preference, { wasmThreads: input.backend.wasmThreads });
const dataset = await loadFashionMnist(input.dataset);
await warmUpTraining(dataset);
send({ type: 'ready', backend, dataset: { source: dataset.source, version: dataset.version } });

// The parent sends a run only when the thread has ended the one before. A run that throws leaves the
// rejection unhandled, which ends the thread with that error: the parent fails the run and starts afresh.
port.on('message', (message: ParentMessage) => {
  if (message.type === 'run') void trainRun(message);
});

async function trainRun(request: RunRequest): Promise<void> {
  const { spec } = request;
  const stopFlag = new Int32Array(request.stopFlag);
  const restoreBest = spec.earlyStopping?.restoreBestWeights ?? false;
  const data = { train: firstExamples(dataset.train, spec.trainLimit), test: firstExamples(dataset.test, spec.testLimit) };
  /** The best epoch's weights so far, when early stopping restores them at the end. */
  let best: { epoch: number; weights: EncodedTensors } | null = request.bestWeights;
  /** The engine's stop, carried out at the next batch boundary (that is, at once). */
  let engineStop = null as Extract<EpochVerdict, { action: 'stop' }> | null;
  const outcome = await train({
    spec,
    data,
    resumeFrom: request.resumeFrom,
    shouldStop: () => Atomics.load(stopFlag, 0) !== 0 || engineStop !== null,
    onEpoch: async (metrics, checkpoint) => {
      const saved = epochSaved(metrics.epoch);
      // The checkpoint's buffers move to the parent; a copy of the weights stays in case they are the best.
      const weights = restoreBest ? { specs: checkpoint.weights.specs, data: checkpoint.weights.data.slice() } : null;
      send({ type: 'epoch', metrics, checkpoint }, [
        checkpoint.weights.data.buffer as ArrayBuffer,
        checkpoint.optimizer.data.buffer as ArrayBuffer,
      ]);
      const verdict = await saved;
      if (verdict.action === 'stop') engineStop = verdict;
      else if (verdict.newBest && weights !== null) best = { epoch: metrics.epoch, weights };
    },
  });

  // Early stopping ends a run as completed: it is evaluated like a run that trained all its epochs.
  // Anything else that stopped training (cancel, shutdown, a prune) ends the run without results.
  const finish = outcome.status === 'completed' || (Atomics.load(stopFlag, 0) === 0 && engineStop?.outcome === 'early-stopped');
  if (!finish) {
    send({ type: 'stopped', epochsDone: outcome.epochsDone });
  } else {
    let weightsEpoch = outcome.epochsDone;
    if (restoreBest && best !== null) {
      // Keras 3 restores the best weights at the end of training, whether or not it stopped early.
      const restored = decodeTensors(best.weights);
      outcome.model.setWeights(restored.map((entry) => entry.tensor));
      for (const entry of restored) entry.tensor.dispose();
      weightsEpoch = best.epoch;
    }
    const { evaluation, predictions } = evaluateModel(outcome.model, data);
    const model = await serializeModel(outcome.model);
    send({ type: 'completed', evaluation, predictions, model, weightsEpoch }, [model.weightData.buffer as ArrayBuffer]);
  }
  outcome.model.dispose();
}
