import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { ensureServices, LOCAL_DATABASE_URL, LOCAL_REDIS_URL } from '../services.ts';
import { findFreePort } from '../services/free-port.ts';
import { postgresAnswers, redisAnswers } from '../services/probes.ts';

const quiet = () => {};
const pathOnly = { PATH: process.env.PATH };
// The servers this run uses (scripts/test.ts exports them; the local ones when run directly).
const liveDatabaseUrl = process.env.DATABASE_URL || LOCAL_DATABASE_URL;
const liveRedisUrl = process.env.REDIS_URL || LOCAL_REDIS_URL;

/** A URL on a port where nothing listens. */
async function deadUrl(scheme: 'postgresql' | 'redis'): Promise<string> {
  const user = scheme === 'postgresql' ? 'postgres@' : '';
  return `${scheme}://${user}127.0.0.1:${await findFreePort()}/`;
}

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('probes', () => {
  test('the running Postgres and Redis answer', async () => {
    assert.equal(await postgresAnswers(liveDatabaseUrl), true);
    assert.equal(await redisAnswers(liveRedisUrl), true);
  });

  test('a port where nothing listens does not answer', async () => {
    assert.equal(await postgresAnswers(await deadUrl('postgresql')), false);
    assert.equal(await redisAnswers(await deadUrl('redis')), false);
  });
});

describe('ensureServices: URLs from the environment', () => {
  test('DATABASE_URL and REDIS_URL win, unprobed, and stop() leaves them alone', async () => {
    // Hosts that cannot resolve: any probe would fail and fall back to a server of our own.
    const env = {
      ...pathOnly,
      DATABASE_URL: 'postgresql://u@db.invalid:5432/x',
      REDIS_URL: 'redis://cache.invalid:6379',
    };
    const services = await ensureServices({ database: 'embedded-if-unset', env, log: quiet });
    assert.equal(services.databaseUrl, env.DATABASE_URL);
    assert.equal(services.redisUrl, env.REDIS_URL);
    await services.stop();
  });

  test('empty variables count as unset: the local servers that answer are used', async () => {
    const services = await ensureServices({
      database: 'local-if-unset',
      env: { ...pathOnly, DATABASE_URL: '', REDIS_URL: '' },
      localDatabaseUrl: liveDatabaseUrl,
      localRedisUrl: liveRedisUrl,
      log: quiet,
    });
    assert.equal(services.databaseUrl, liveDatabaseUrl);
    assert.equal(services.redisUrl, liveRedisUrl);
    await services.stop();
    assert.equal(await postgresAnswers(liveDatabaseUrl), true, 'stop() must not touch a server it did not start');
    assert.equal(await redisAnswers(liveRedisUrl), true, 'stop() must not touch a server it did not start');
  });

  test('a malformed URL is an error that names the variable', async () => {
    await assert.rejects(
      ensureServices({ database: 'local-if-unset', env: { ...pathOnly, REDIS_URL: 'not a url' }, log: quiet }),
      /REDIS_URL/,
    );
  });
});

describe('ensureServices: Redis fallbacks', () => {
  test('with nothing on the local port, a redis-server of our own is started and stopped', async () => {
    const services = await ensureServices({
      database: 'local-if-unset',
      env: { ...pathOnly, DATABASE_URL: liveDatabaseUrl },
      localRedisUrl: await deadUrl('redis'),
      log: quiet,
    });
    assert.notEqual(services.redisUrl, liveRedisUrl);
    assert.equal(services.databaseUrl, liveDatabaseUrl);
    assert.equal(await redisAnswers(services.redisUrl), true);
    await services.stop();
    await services.stop();
    assert.equal(await redisAnswers(services.redisUrl), false);
  });

  test('with no Redis at all, the error says how to get one', async () => {
    await assert.rejects(
      ensureServices({
        database: 'local-if-unset',
        env: { PATH: '/nonexistent' },
        localRedisUrl: await deadUrl('redis'),
        log: quiet,
      }),
      (error: Error) => /apt-get install redis-server/.test(error.message) && /REDIS_URL/.test(error.message),
    );
  });
});

describe('ensureServices: embedded Postgres', () => {
  let folder: string;
  let dataDir: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lab-services-test-'));
    await chmod(folder, 0o755); // as root, the server runs as the postgres user, who must enter it
    dataDir = join(folder, 'postgres');
  });
  after(() => rm(folder, { recursive: true, force: true }));

  test('starts when nothing answers locally, stops, and restarts with its data kept', async () => {
    const messages: string[] = [];
    const log = (message: string) => messages.push(message);

    let startedAt = performance.now();
    const first = await ensureServices({
      database: 'local-if-unset',
      env: { ...pathOnly, REDIS_URL: liveRedisUrl },
      localDatabaseUrl: await deadUrl('postgresql'),
      embeddedDataDir: dataDir,
      log,
    });
    const firstStartMs = performance.now() - startedAt;
    assert.notEqual(first.databaseUrl, liveDatabaseUrl);
    assert.equal(first.redisUrl, liveRedisUrl);
    assert.ok(messages.some((message) => message.includes('creating a cluster')));
    await query(first.databaseUrl, 'CREATE TABLE kept (value text); INSERT INTO kept VALUES ($$survives a restart$$)');
    await first.stop();
    await first.stop();
    assert.equal(await postgresAnswers(first.databaseUrl), false);
    assert.equal(existsSync(join(dataDir, 'postmaster.pid')), false, 'the server must have shut down');

    messages.length = 0;
    startedAt = performance.now();
    const second = await ensureServices({
      database: 'embedded-if-unset',
      env: { ...pathOnly, REDIS_URL: liveRedisUrl },
      embeddedDataDir: dataDir,
      log,
    });
    const restartMs = performance.now() - startedAt;
    try {
      assert.equal(messages.some((message) => message.includes('creating a cluster')), false);
      const { rows } = await query(second.databaseUrl, 'SELECT value FROM kept');
      assert.deepEqual(rows, [{ value: 'survives a restart' }]);
    } finally {
      await second.stop();
    }
    console.log(`embedded Postgres: first start ${firstStartMs.toFixed(0)} ms, restart ${restartMs.toFixed(0)} ms`);
  });

  test('when Redis cannot be found, the embedded Postgres it started is stopped again', async () => {
    await assert.rejects(
      ensureServices({
        database: 'embedded-if-unset',
        env: { PATH: '/nonexistent' },
        localRedisUrl: await deadUrl('redis'),
        embeddedDataDir: dataDir,
        log: quiet,
      }),
      /redis-server/,
    );
    assert.equal(existsSync(join(dataDir, 'postmaster.pid')), false);
  });
});
