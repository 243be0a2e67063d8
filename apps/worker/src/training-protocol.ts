import type { Checkpoint, EncodedTensors, EpochMetrics, EpochVerdict, Evaluation, ModelArtifacts, ResolvedExperimentSpec, TestPrediction } from '@lab/contracts';
import type { LoadOptions } from '@lab/dataset';
import type { BackendPreference } from '@lab/contracts';
import type { BackendInfo } from '@lab/trainer';

/** Which tfjs backend a thread should select (see initBackend). */
export interface BackendRequest {
  preference: BackendPreference;
  wasmThreads: number;
}

/** What a training thread is started with (structured-cloned into it): what every run it trains shares. */
export interface TrainingThreadInput {
  backend: BackendRequest;
  dataset: LoadOptions;
}

/** What a thread has set up once, for all the runs it trains. */
export interface TrainingThreadInfo {
  backend: BackendInfo;
  dataset: { source: string; version: string };
}

/** Parent → thread: train one run (a thread trains one at a time). */
export interface RunRequest {
  type: 'run';
  spec: ResolvedExperimentSpec;
  resumeFrom: Checkpoint | null;
  /** The best epoch's weights so far (early stopping that restores them), kept by an earlier attempt. */
  bestWeights: { epoch: number; weights: EncodedTensors } | null;
  /** Int32 flag the parent sets to 1 to stop at the next batch boundary, even mid-computation. */
  stopFlag: SharedArrayBuffer;
}

/**
 * Parent → thread: the epoch's metrics and checkpoint are durable, and the run engine's answer to it:
 * go on, or stop at once (early-stopped: finish the run; pruned: the engine has ended it).
 */
export interface EpochSavedMessage {
  type: 'epoch-saved';
  epoch: number;
  verdict: EpochVerdict;
}

export type ParentMessage = RunRequest | EpochSavedMessage;

/** Thread → parent: once `ready` when set up, then for each run its epochs and one end ('completed' or 'stopped'). */
export type TrainingThreadMessage =
  | ({ type: 'ready' } & TrainingThreadInfo)
  | { type: 'epoch'; metrics: EpochMetrics; checkpoint: Checkpoint }
  /** `weightsEpoch`: the epoch whose weights were evaluated and saved (the best one when restored). */
  | { type: 'completed'; evaluation: Evaluation; predictions: TestPrediction[]; model: ModelArtifacts; weightsEpoch: number }
  | { type: 'stopped'; epochsDone: number };
