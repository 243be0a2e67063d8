import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadApiConfig } from '../src/config.ts';

const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/lab';

test('fills every default from a minimal environment', () => {
  assert.deepEqual(loadApiConfig({ DATABASE_URL }), {
    port: 3000,
    host: '0.0.0.0',
    databaseUrl: DATABASE_URL,
    redisUrl: 'redis://127.0.0.1:6379',
    logLevel: 'info',
    bodyLimitBytes: 2 * 1024 * 1024,
    queuePrefix: 'lab',
    modelCacheSize: 4,
    reconcileIntervalMs: 5_000,
    auth: { enabled: true, failureLimit: 20 },
    rateLimit: { max: 1_200, windowMs: 60_000 },
    maxActiveRunsPerTenant: 200,
    readCacheEntries: 2_000,
    eventStreams: { heartbeatMs: 15_000, maxBufferedBytes: 1024 * 1024, retryMs: 2_000 },
    corsOrigins: '*',
    publicUrl: null,
  });
});

test('reads every variable, coercing numbers', () => {
  const config = loadApiConfig({
    DATABASE_URL,
    PORT: '8080',
    HOST: '127.0.0.1',
    REDIS_URL: 'rediss://cache.internal:6380/2',
    LOG_LEVEL: 'debug',
    BODY_LIMIT_BYTES: '65536',
    QUEUE_PREFIX: 'staging:lab',
    MODEL_CACHE_SIZE: '9',
    RECONCILE_INTERVAL_MS: '750',
    AUTH: 'disabled',
    AUTH_FAILURE_LIMIT: '3',
    RATE_LIMIT_MAX: '50',
    RATE_LIMIT_WINDOW_MS: '10000',
    TENANT_MAX_ACTIVE_RUNS: '7',
    READ_CACHE_ENTRIES: '10',
    SSE_HEARTBEAT_MS: '500',
    SSE_MAX_BUFFERED_BYTES: '4096',
    CORS_ORIGINS: 'https://dash.example.com, http://localhost:5173',
    PUBLIC_URL: 'https://lab.example.com/api/',
  });
  assert.deepEqual(config, {
    port: 8080,
    host: '127.0.0.1',
    databaseUrl: DATABASE_URL,
    redisUrl: 'rediss://cache.internal:6380/2',
    logLevel: 'debug',
    bodyLimitBytes: 65_536,
    queuePrefix: 'staging:lab',
    modelCacheSize: 9,
    reconcileIntervalMs: 750,
    auth: { enabled: false, failureLimit: 3 },
    rateLimit: { max: 50, windowMs: 10_000 },
    maxActiveRunsPerTenant: 7,
    readCacheEntries: 10,
    eventStreams: { heartbeatMs: 500, maxBufferedBytes: 4096, retryMs: 2_000 },
    corsOrigins: ['https://dash.example.com', 'http://localhost:5173'],
    publicUrl: 'https://lab.example.com/api',
  });
});

test('treats empty variables as unset', () => {
  const config = loadApiConfig({ DATABASE_URL, PORT: '', REDIS_URL: '', LOG_LEVEL: '' });
  assert.equal(config.port, 3000);
  assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
  assert.equal(config.logLevel, 'info');
});

test('names every invalid variable in one error', () => {
  assert.throws(
    () => loadApiConfig({}),
    (error: Error) => /DATABASE_URL: is required/.test(error.message),
  );
  assert.throws(
    () =>
      loadApiConfig({
        DATABASE_URL: 'mysql://root@localhost/lab',
        PORT: '70000',
        REDIS_URL: 'http://localhost',
        LOG_LEVEL: 'loud',
        QUEUE_PREFIX: 'has space',
        AUTH: 'off',
        TENANT_MAX_ACTIVE_RUNS: '0',
        CORS_ORIGINS: 'https://ok.example, dash.example.com/path',
        PUBLIC_URL: 'ftp://lab.example.com',
      }),
    (error: Error) =>
      ['DATABASE_URL', 'PORT', 'REDIS_URL', 'LOG_LEVEL', 'QUEUE_PREFIX', 'AUTH', 'TENANT_MAX_ACTIVE_RUNS', 'CORS_ORIGINS', 'PUBLIC_URL'].every((name) =>
        error.message.includes(`${name}:`),
      ) && error.message.includes('not dash.example.com/path'),
  );
});
