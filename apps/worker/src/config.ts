import { z } from 'zod';
import { BACKEND_PREFERENCES, parseEnv, serviceEnvShape, type LogLevel } from '@lab/contracts';
import type { BackendRequest } from './training-protocol.ts';

const workerEnvSchema = z.object({
  ...serviceEnvShape,
  /** Jobs trained at once by this process, each in its own thread. More processes scale further. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  TFJS_BACKEND: z.enum(BACKEND_PREFERENCES).default('auto'),
  /** XNNPACK threads per run on the wasm backend; keep WORKER_CONCURRENCY × threads ≤ free cores. */
  TFJS_WASM_THREADS: z.coerce.number().int().min(1).max(8).default(1),
  /** How long a job's lock lives without renewal: after a crash, its job is recovered this much later. */
  JOB_LOCK_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /** How often a running job checks whether it was cancelled. */
  CANCEL_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(500),
});

export interface WorkerConfig {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  logLevel: LogLevel;
  concurrency: number;
  backend: BackendRequest;
  jobLockMs: number;
  cancelPollMs: number;
}

export function loadWorkerConfig(env: Readonly<Record<string, string | undefined>>): WorkerConfig {
  const settings = parseEnv(workerEnvSchema, env, 'worker');
  return {
    databaseUrl: settings.DATABASE_URL,
    redisUrl: settings.REDIS_URL,
    queuePrefix: settings.QUEUE_PREFIX,
    logLevel: settings.LOG_LEVEL,
    concurrency: settings.WORKER_CONCURRENCY,
    backend: { preference: settings.TFJS_BACKEND, wasmThreads: settings.TFJS_WASM_THREADS },
    jobLockMs: settings.JOB_LOCK_MS,
    cancelPollMs: settings.CANCEL_POLL_MS,
  };
}
