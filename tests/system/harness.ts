import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { buildApp, loadApiConfig } from '../../apps/api/src/index.ts';
import { TEST_ACCESS_ENV } from '../../apps/api/test/test-app.ts';
import { createDb, createTestDatabase, type Db, type TestDatabase } from '@lab/db';
import { loadWorkerConfig, type WorkerConfig } from '../../apps/worker/src/config.ts';
import { createLogger } from '../../apps/worker/src/logger.ts';
import { createTrainingWorker, type TrainingWorker } from '../../apps/worker/src/training-worker.ts';

/** The real API and a real in-process worker on a fresh database and a queue prefix of their own. */
export interface Stack {
  app: FastifyInstance;
  database: TestDatabase;
  env: Record<string, string>;
  workerConfig: WorkerConfig;
  startWorker(): TrainingWorker;
  close(): Promise<void>;
}

export async function startStack(workerEnv: Record<string, string> = {}): Promise<Stack> {
  const database = await createTestDatabase();
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `lab-e2e-${randomBytes(6).toString('hex')}`,
    LOG_LEVEL: 'silent',
    ...TEST_ACCESS_ENV,
  };
  const app = buildApp(loadApiConfig(env));
  await app.ready();
  const workerConfig = loadWorkerConfig({ ...env, TFJS_BACKEND: 'wasm', ...workerEnv });
  const workers: TrainingWorker[] = [];
  let db: Db | null = null;
  return {
    app,
    database,
    env,
    workerConfig,
    startWorker() {
      db ??= createDb(database.url);
      const worker = createTrainingWorker(workerConfig, {
        db,
        dataset: {},
        log: createLogger('silent'),
      });
      workers.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await app.close();
      await db?.close();
      await deleteKeys(env.REDIS_URL, `${env.QUEUE_PREFIX}:*`);
      await database.drop();
    },
  };
}

async function deleteKeys(redisUrl: string, pattern: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for await (const keys of redis.scanStream({ match: pattern, count: 500 })) {
      if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
}

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
