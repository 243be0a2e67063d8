/**
 * The lesson's configuration trained through the service, as `npm run demo` runs it: the API and one
 * worker process (its default threads), the experiment submitted over HTTP. Epoch times are the
 * ones the worker stores; the worker's peak RSS is read from /proc before the service stops.
 */
import type { EpochMetrics } from '@lab/contracts';
import { followExperiment, startLocalService } from '../local-service.ts';
import { peakRssMiB } from './peak-rss.ts';
import { BENCH_SPEC } from './protocol.ts';

export interface ServiceRun {
  label: string;
  backend: string | null;
  kernels: string | null;
  threads: number;
  status: string;
  /** Every stored epoch's duration (training steps and validation), in order. */
  epochMs: number[];
  /** Median of the epochs after the first (which also warms the JIT and the allocators). */
  epochMedianMs: number;
  workerPeakRssMiB: number | null;
}

/** A service run, or why it could not be made. */
export type ServiceAttempt = ServiceRun | { label: string; error: string };

/** Trains `epochs` epochs through a freshly started service; `env` is set for its processes. */
export async function trainThroughService(label: string, epochs: number, env: Record<string, string>): Promise<ServiceRun> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  const service = await startLocalService({ queuePrefix: 'lab-bench' });
  try {
    const { lambda, batchSize, learningRate, hiddenLayers, seed } = BENCH_SPEC;
    const { id } = await service.client.submitExperiment({ name: `bench: ${label}`, lambda, batchSize, learningRate, hiddenLayers: [...hiddenLayers], seed, epochs });
    const stored: EpochMetrics[] = [];
    const experiment = await followExperiment(service.client, id, (epoch) => void stored.push(epoch), 250);
    const epochMs = stored.map((e) => e.durationMs);
    const later = epochMs.slice(1).sort((a, b) => a - b);
    return {
      label,
      backend: experiment.backend,
      kernels: experiment.kernels,
      threads: service.wasmThreads,
      status: experiment.status,
      epochMs,
      epochMedianMs: later[later.length >> 1] ?? Number.NaN,
      workerPeakRssMiB: service.workerPids.map(peakRssMiB).find((mib) => mib !== null) ?? null,
    };
  } finally {
    await service.close();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
