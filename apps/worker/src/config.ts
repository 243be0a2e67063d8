import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { BACKEND_PREFERENCES, parseEnv, serviceEnvShape, type LogLevel } from '@lab/contracts';
import { DEFAULT_RUN_POLICY } from '@lab/runs';
import type { BackendRequest } from './training-protocol.ts';

const DAY_MS = 24 * 3600 * 1000;

const workerEnvSchema = z.object({
  ...serviceEnvShape,
  /** Jobs trained at once by this process, each in its own thread. More processes scale further. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  TFJS_BACKEND: z.enum(BACKEND_PREFERENCES).default('auto'),
  /**
   * Threads per run for the wasm backend's matmuls (the native GEMM's, else XNNPACK's; same results for
   * any count). `auto`: the cores this process may use, shared between its concurrent runs.
   */
  TFJS_WASM_THREADS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(8)]).default('auto'),
  /**
   * How long a job's lock and a run's lease live without renewal: after a crash, its run is taken over
   * this much later (the lease is renewed three times per period while the run trains).
   */
  JOB_LOCK_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /** Attempts that may end without an outcome (worker died, training threw) before a run fails for good. */
  RUN_MAX_FAILED_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(DEFAULT_RUN_POLICY.maxFailedAttempts),
  /**
   * Days a finished run keeps its last checkpoint, to be resumed from; older ones are deleted as this
   * worker claims runs. A run resumed after that retrains from epoch 1 (to the same result).
   */
  CHECKPOINT_RETENTION_DAYS: z.coerce.number().min(0).max(36_500).default(DEFAULT_RUN_POLICY.checkpointRetentionMs / DAY_MS),
  /** The worker's metrics port (GET /metrics, Prometheus): `off` for none, 0 for any free one (logged). */
  WORKER_METRICS_PORT: z.union([z.literal('off'), z.coerce.number().int().min(0).max(65_535)]).default(9465),
  /** Unauthenticated, so loopback unless the network it is opened to is internal (e.g. 0.0.0.0 in a container). */
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});

export interface WorkerConfig {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  logLevel: LogLevel;
  concurrency: number;
  backend: BackendRequest;
  jobLockMs: number;
  maxFailedAttempts: number;
  checkpointRetentionMs: number;
  reconcileIntervalMs: number;
  /** Where the metrics port listens; null: no metrics port. */
  metrics: { port: number; host: string } | null;
}

export function loadWorkerConfig(env: Readonly<Record<string, string | undefined>>): WorkerConfig {
  const settings = parseEnv(workerEnvSchema, env, 'worker');
  return {
    databaseUrl: settings.DATABASE_URL,
    redisUrl: settings.REDIS_URL,
    queuePrefix: settings.QUEUE_PREFIX,
    logLevel: settings.LOG_LEVEL,
    concurrency: settings.WORKER_CONCURRENCY,
    backend: {
      preference: settings.TFJS_BACKEND,
      wasmThreads:
        settings.TFJS_WASM_THREADS === 'auto'
          ? Math.max(1, Math.min(8, Math.floor(availableParallelism() / settings.WORKER_CONCURRENCY)))
          : settings.TFJS_WASM_THREADS,
    },
    jobLockMs: settings.JOB_LOCK_MS,
    maxFailedAttempts: settings.RUN_MAX_FAILED_ATTEMPTS,
    checkpointRetentionMs: settings.CHECKPOINT_RETENTION_DAYS * DAY_MS,
    reconcileIntervalMs: settings.RECONCILE_INTERVAL_MS,
    metrics: settings.WORKER_METRICS_PORT === 'off' ? null : { port: settings.WORKER_METRICS_PORT, host: settings.WORKER_METRICS_HOST },
  };
}
