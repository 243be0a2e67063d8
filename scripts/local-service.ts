// The service on this machine for the scripts that drive it over HTTP (demo, reproduction, sweeps):
// Postgres and Redis found or started (services.ts), our database migrated, the API and worker
// processes started (stack.ts), and a typed client with an API key of its own (the local tenant's,
// revoked again by close()). close() stops what was started; safe twice.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { FINISHED_STATUSES, LOCAL_TENANT, type EpochMetrics, type Experiment } from '@lab/contracts';
import { ApiKeys, createDb, ensureDatabase, migrate, withDatabaseName } from '@lab/db';
import { ApiClient } from './api-client.ts';
import { ensureServices } from './services.ts';
import { findFreePort } from './services/free-port.ts';
import { startStack, waitUntilReady } from './stack.ts';

export const LOG_DIR = fileURLToPath(new URL('../.data/logs', import.meta.url));

export interface LocalService {
  client: ApiClient;
  /** The database the service runs on (e.g. to measure what it stores). */
  databaseUrl: string;
  /** Process ids of the worker processes (e.g. to read their peak memory). */
  workerPids: number[];
  /** XNNPACK threads each worker's wasm runs use. */
  wasmThreads: number;
  close(): Promise<void>;
}

export async function startLocalService(options: { workers?: number; queuePrefix: string }): Promise<LocalService> {
  const services = await ensureServices({ database: 'embedded-if-unset' });
  // Our own database on whichever server was found, unless the user named one.
  const databaseUrl = process.env.DATABASE_URL ? services.databaseUrl : withDatabaseName(services.databaseUrl, 'lab');
  await ensureDatabase(databaseUrl);
  const { applied } = await migrate(databaseUrl);
  if (applied.length > 0) console.log(`migrated: ${applied.join(', ')}`);
  const db = createDb(databaseUrl);
  const keys = new ApiKeys(db.prisma);
  const { key, record } = await keys.create({ scope: 'tenant', tenantId: LOCAL_TENANT, name: `${options.queuePrefix} script` });

  const workers = options.workers ?? 1;
  // These scripts own the machine: split its cores between the workers' wasm threads (results are
  // the same with any thread count; docs/benchmarks.md has the speed-up). TFJS_WASM_THREADS wins.
  const wasmThreads = process.env.TFJS_WASM_THREADS ?? String(Math.max(1, Math.min(8, Math.floor(availableParallelism() / workers))));
  const stack = startStack({
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: services.redisUrl,
      QUEUE_PREFIX: process.env.QUEUE_PREFIX ?? options.queuePrefix,
      TFJS_WASM_THREADS: wasmThreads,
      // Any free metrics port: a service already running on this host keeps the default ones.
      WORKER_METRICS_PORT: process.env.WORKER_METRICS_PORT ?? '0',
    },
    port: Number(process.env.PORT ?? (await findFreePort())),
    workers,
    logDir: LOG_DIR,
  });
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await stack.stop();
      await keys.revoke(record.id);
      await db.close();
      await services.stop();
    })());
  // Ctrl-C: workers checkpoint and hand their jobs back, servers we started stop, then we exit.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void close().finally(() => process.exit(130)));
  }
  console.log(`starting the API and ${workers} worker(s) with ${wasmThreads} wasm thread(s) each (logs in ${LOG_DIR}) …`);
  try {
    await waitUntilReady(stack);
  } catch (error) {
    await close();
    throw error;
  }
  console.log(`API at ${stack.baseUrl} (docs at ${stack.baseUrl}/docs)`);
  const workerPids = stack.processes.slice(1).flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  return { client: new ApiClient(stack.baseUrl, key), databaseUrl, workerPids, wasmThreads: Number(wasmThreads), close };
}

/** Polls an experiment until it finishes, handing each newly stored epoch to `onEpoch` in order. */
export async function followExperiment(
  client: ApiClient,
  id: string,
  onEpoch: (epoch: EpochMetrics) => void,
  pollMs = 1000,
): Promise<Experiment> {
  let lastEpoch = 0;
  const drain = async () => {
    for (const epoch of (await client.history(id, lastEpoch)).epochs) {
      onEpoch(epoch);
      lastEpoch = epoch.epoch;
    }
  };
  for (;;) {
    const experiment = await client.experiment(id);
    await drain();
    if (FINISHED_STATUSES.includes(experiment.status)) return experiment;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
