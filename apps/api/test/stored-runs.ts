import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { CLASS_NAMES, LOCAL_TENANT, type Checkpoint, type EpochMetrics, type Evaluation, type ExperimentSpecInput } from '@lab/contracts';
import { experimentSpecSchema } from '@lab/contracts';
import type { Attempt, CompletedRun } from '@lab/runs';

/** Distinct, recognisable figures for epoch `n`. */
export function syntheticEpoch(n: number): EpochMetrics {
  return {
    epoch: n,
    loss: 1 / n,
    accuracy: 0.5 + n / 100,
    crossEntropy: 0.9 / n,
    penalty: 0.1 / n,
    valLoss: 1.1 / n,
    valAccuracy: 0.45 + n / 100,
    valCrossEntropy: 1 / n,
    valPenalty: 0.1 / n,
    durationMs: 100 + n,
  };
}

/** An evaluation over the ten classes, for tests that need a plausible one and read none of its figures. */
export const SYNTHETIC_EVALUATION: Evaluation = {
  train: { loss: 0.4, accuracy: 0.9, crossEntropy: 0.35, penalty: 0.05, examples: 10 },
  test: { loss: 0.4, accuracy: 0.8, crossEntropy: 0.35, penalty: 0.05, examples: 10 },
  confusionMatrix: CLASS_NAMES.map((_, row) => CLASS_NAMES.map((__, column) => (row === column ? 1 : 0))),
  perClassAccuracy: CLASS_NAMES.map((className, classIndex) => ({ classIndex, className, accuracy: 1, support: 1 })),
  evaluationBatchSize: 32,
};

/** A completed run's results when a test only needs it completed. */
const EMPTY_RESULT: CompletedRun = {
  evaluation: {
    train: { loss: 0.5, accuracy: 0.8, crossEntropy: 0.4, penalty: 0.1, examples: 1 },
    test: { loss: 0.5, accuracy: 0.8, crossEntropy: 0.4, penalty: 0.1, examples: 1 },
    confusionMatrix: [],
    perClassAccuracy: [],
    evaluationBatchSize: 32,
  },
  predictions: [],
  model: { topology: {}, weightSpecs: [], weightData: new Uint8Array(0) },
};

const emptyCheckpoint = (epoch: number): Checkpoint => ({
  epoch,
  weights: { specs: [], data: new Uint8Array(0) },
  optimizer: { specs: [], data: new Uint8Array(0) },
});

/**
 * Plays the worker's part through the real run engine, so that API tests can read what training
 * stores without training: submits runs, claims them, stores epochs and results, fails them.
 */
export class StoredRuns {
  private readonly attempts = new Map<string, Attempt>();

  constructor(private readonly app: FastifyInstance) {}

  async submit(spec: ExperimentSpecInput = { lambda: 1e-4, epochs: 3 }, ownerId = LOCAL_TENANT): Promise<string> {
    const { id } = await this.app.engine.submitExperiment({ ownerId, spec: experimentSpecSchema.parse(spec) });
    return id;
  }

  /** The attempt holding `id`, claiming it first if no attempt of ours does. */
  async attempt(id: string): Promise<Attempt> {
    const held = this.attempts.get(id);
    if (held !== undefined) return held;
    const claim = await this.app.engine.claim(id, 'test');
    assert.equal(claim.outcome, 'claimed', `claiming ${id}`);
    if (claim.outcome !== 'claimed') throw new Error('unreachable');
    this.attempts.set(id, claim.attempt);
    return claim.attempt;
  }

  async recordEpochs(id: string, epochs: readonly number[]): Promise<void> {
    for (const n of epochs) await this.recordEpoch(id, syntheticEpoch(n));
  }

  async recordEpoch(id: string, metrics: EpochMetrics): Promise<void> {
    await (await this.attempt(id)).recordEpoch(metrics, emptyCheckpoint(metrics.epoch));
  }

  async complete(id: string, result: CompletedRun = EMPTY_RESULT): Promise<void> {
    await (await this.attempt(id)).complete(result);
    this.attempts.delete(id);
  }

  /** Fails the run at once (as a run that cannot fit does). */
  async fail(id: string, reason: string): Promise<void> {
    await (await this.attempt(id)).fail(new Error(reason), { final: true });
    this.attempts.delete(id);
  }

  /** Stops renewing the leases of attempts still held. */
  close(): void {
    for (const attempt of this.attempts.values()) attempt.end();
  }
}
