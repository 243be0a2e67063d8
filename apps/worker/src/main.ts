import { createDb } from '@lab/db';
import { datasetOptionsFromEnv } from '@lab/dataset';
import { loadWorkerConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { startMetricsServer } from './metrics-server.ts';
import { prepareTrainingThread } from './training-threads.ts';
import { createTrainingWorker } from './training-worker.ts';

const config = loadWorkerConfig(process.env);
const log = createLogger(config.logLevel);
// Bundled before the first training thread starts: a failure shows here.
await prepareTrainingThread();

const db = createDb(config.databaseUrl);
const trainingWorker = createTrainingWorker(config, {
  db,
  dataset: datasetOptionsFromEnv(process.env),
  log,
});
trainingWorker.worker.on('ready', () => log.info('worker ready'));
// Fails fast when TFJS_BACKEND names a backend that is not installed (the threads could not set up).
const { backend } = await trainingWorker.ready;
log.info({ ...backend, concurrency: config.concurrency, queuePrefix: config.queuePrefix }, 'worker starting');
const metricsServer = config.metrics === null ? null : await startMetricsServer(trainingWorker.metrics.registry, config.metrics);
if (metricsServer !== null) log.info({ url: metricsServer.url }, 'metrics served');

let signals = 0;
const shutdown = (signal: NodeJS.Signals) => {
  signals++;
  if (signals > 1) {
    log.warn({ signal }, 'second signal: exiting now; running runs are taken over once their leases expire');
    void trainingWorker.forceClose().finally(() => process.exit(1));
    return;
  }
  log.info({ signal }, 'shutting down: stopping runs at a batch boundary and handing them back');
  void trainingWorker
    .close()
    .then(() => metricsServer?.close())
    .then(() => db.close())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
