import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createTestDatabase, type TestDatabase } from '@lab/db';
import { buildApp, loadApiConfig } from '../src/index.ts';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  queuePrefix: string;
  /** A new API key of `tenant` (created with it when new), as `npm run keys -- create` makes one. */
  createKey(tenant: string): Promise<string>;
  /** Closes the app, deletes this file's queue keys and drops its database. */
  close(): Promise<void>;
}

/**
 * The real app on a fresh migrated database and a queue prefix of its own, on the real Redis.
 * `env` overrides variables (e.g. an unreachable REDIS_URL). Where authentication and rate limits are
 * not what a test is about they are off (AUTH=disabled: every request is the local tenant's); tests
 * of them pass AUTH: 'enabled' and their own limits, and make keys with `createKey`.
 */
/** No keys and no practical rate limit: for the tests that are about something else. */
export const TEST_ACCESS_ENV = { AUTH: 'disabled', RATE_LIMIT_MAX: '10000000' } as const;

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const queuePrefix = `lab-test-${randomBytes(6).toString('hex')}`;
  const app = buildApp(
    loadApiConfig({
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL,
      LOG_LEVEL: 'silent',
      QUEUE_PREFIX: queuePrefix,
      ...TEST_ACCESS_ENV,
      ...env,
    }),
  );
  await app.ready();
  return {
    app,
    database,
    queuePrefix,
    createKey: async (tenant) => (await app.apiKeys.create({ scope: 'tenant', tenantId: tenant })).key,
    close: async () => {
      if (app.trainingQueue.redis.status === 'ready') await deleteKeys(app, `${queuePrefix}:*`);
      await app.close();
      await database.drop();
    },
  };
}

async function deleteKeys(app: FastifyInstance, pattern: string): Promise<void> {
  const { redis } = app.trainingQueue;
  for await (const keys of redis.scanStream({ match: pattern, count: 500 })) {
    if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
  }
}

