import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { loadWorkerConfig } from '../src/config.ts';

const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/lab';

describe('loadWorkerConfig', () => {
  it('fills defaults: one job at a time, auto backend, local Redis', () => {
    const config = loadWorkerConfig({ DATABASE_URL });
    assert.deepEqual(config, {
      databaseUrl: DATABASE_URL,
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'lab',
      logLevel: 'info',
      concurrency: 1,
      backend: { preference: 'auto', wasmThreads: Math.min(8, availableParallelism()) },
      jobLockMs: 30_000,
      maxFailedAttempts: 8,
      checkpointRetentionMs: 30 * 24 * 3600 * 1000,
      reconcileIntervalMs: 5_000,
      metrics: { port: 9465, host: '127.0.0.1' },
    });
  });

  it('reads every setting and treats empty variables as unset', () => {
    const config = loadWorkerConfig({ DATABASE_URL, WORKER_CONCURRENCY: '3', TFJS_BACKEND: 'wasm', TFJS_WASM_THREADS: '2', JOB_LOCK_MS: '', QUEUE_PREFIX: 'x:y', RUN_MAX_FAILED_ATTEMPTS: '3', RECONCILE_INTERVAL_MS: '1000' });
    assert.equal(config.concurrency, 3);
    assert.deepEqual(config.backend, { preference: 'wasm', wasmThreads: 2 });
    assert.equal(config.jobLockMs, 30_000);
    assert.equal(config.queuePrefix, 'x:y');
    assert.equal(config.maxFailedAttempts, 3);
    assert.equal(config.reconcileIntervalMs, 1_000);
  });

  it('opens the metrics port where WORKER_METRICS_PORT/HOST say, or none when it is off', () => {
    assert.deepEqual(loadWorkerConfig({ DATABASE_URL, WORKER_METRICS_PORT: '0', WORKER_METRICS_HOST: '0.0.0.0' }).metrics, { port: 0, host: '0.0.0.0' });
    assert.equal(loadWorkerConfig({ DATABASE_URL, WORKER_METRICS_PORT: 'off' }).metrics, null);
    assert.throws(() => loadWorkerConfig({ DATABASE_URL, WORKER_METRICS_PORT: '70000' }), /WORKER_METRICS_PORT/);
  });

  it('keeps finished runs\' checkpoints for CHECKPOINT_RETENTION_DAYS (fractions allowed, never negative)', () => {
    assert.equal(loadWorkerConfig({ DATABASE_URL, CHECKPOINT_RETENTION_DAYS: '0.5' }).checkpointRetentionMs, 12 * 3600 * 1000);
    assert.equal(loadWorkerConfig({ DATABASE_URL, CHECKPOINT_RETENTION_DAYS: '0' }).checkpointRetentionMs, 0);
    assert.throws(() => loadWorkerConfig({ DATABASE_URL, CHECKPOINT_RETENTION_DAYS: '-1' }), /CHECKPOINT_RETENTION_DAYS/);
  });

  it('gives each concurrent run its share of the cores by default', () => {
    const cores = availableParallelism();
    assert.equal(loadWorkerConfig({ DATABASE_URL, WORKER_CONCURRENCY: String(cores) }).backend.wasmThreads, 1);
    assert.equal(loadWorkerConfig({ DATABASE_URL, WORKER_CONCURRENCY: String(2 * cores) }).backend.wasmThreads, 1);
    assert.equal(loadWorkerConfig({ DATABASE_URL, TFJS_WASM_THREADS: 'auto' }).backend.wasmThreads, Math.min(8, cores));
    assert.throws(() => loadWorkerConfig({ DATABASE_URL, TFJS_WASM_THREADS: 'many' }), /TFJS_WASM_THREADS/);
  });

  it('names every invalid variable in one error', () => {
    assert.throws(
      () => loadWorkerConfig({ TFJS_BACKEND: 'gpu', WORKER_CONCURRENCY: '0' }),
      (error: Error) =>
        /DATABASE_URL: is required/.test(error.message) && /TFJS_BACKEND/.test(error.message) && /WORKER_CONCURRENCY/.test(error.message),
    );
  });
});
