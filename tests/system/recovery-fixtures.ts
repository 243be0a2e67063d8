import type { EpochMetrics } from '@lab/contracts';

/**
 * The run the recovery tests interrupt. Small on purpose (2 000 / 500 real images, one small layer),
 * with batches of 100 so that an epoch has 20 batch boundaries to be interrupted between.
 */
export const recoverySpec = { lambda: 1e-4, epochs: 15, batchSize: 100, hiddenLayers: [32], trainLimit: 2000, testLimit: 500, seed: 42 };

/** Epoch numbers 1..N: exactly N epochs, in order, none twice, none missing. */
export const allEpochs = Array.from({ length: recoverySpec.epochs }, (_, i) => i + 1);

/** A history without wall times: what must be identical to an uninterrupted run on the same backend. */
export const withoutDurations = (epochs: EpochMetrics[]) => epochs.map(({ durationMs: _, ...metrics }) => metrics);

/** Worker settings for the tests: a short lock and lease, so a dead worker's run is taken over within seconds. */
export const RECOVERY_WORKER_ENV = { TFJS_BACKEND: 'wasm', JOB_LOCK_MS: '2000' };
