// Finds or starts the Postgres and Redis that `npm test` and `npm run demo` need, so both work on
// a fresh clone. Precedence for each: the URL in the environment, then the usual local server,
// then one we start ourselves (and stop again in stop()).
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { startEmbeddedPostgres } from './services/embedded-postgres.ts';
import { postgresAnswers, redisAnswers } from './services/probes.ts';
import { findExecutable, HOW_TO_GET_REDIS, startRedisServer } from './services/redis-server.ts';
import { externalService, stopOnce, type StartedService } from './services/started-service.ts';

/** The local servers a development or CI machine usually runs (trust auth, no password). */
export const LOCAL_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_EMBEDDED_DATA_DIR = fileURLToPath(new URL('../.data/postgres', import.meta.url));

export interface EnsureServicesOptions {
  /**
   * When DATABASE_URL is unset: 'embedded-if-unset' starts the embedded Postgres (the demo, whose
   * data should persist in the repo); 'local-if-unset' uses LOCAL_DATABASE_URL when it answers and
   * only then falls back to the embedded one (tests).
   */
  database: 'embedded-if-unset' | 'local-if-unset';
  /** Where DATABASE_URL, REDIS_URL and PATH are read. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default: LOCAL_DATABASE_URL. */
  localDatabaseUrl?: string;
  /** Default: LOCAL_REDIS_URL. */
  localRedisUrl?: string;
  /** Data folder of the embedded Postgres. Default: DEFAULT_EMBEDDED_DATA_DIR (git-ignored). */
  embeddedDataDir?: string;
  /** Where progress messages go. Default: stderr, so a command's stdout stays its own. */
  log?: (message: string) => void;
}

export interface Services {
  databaseUrl: string;
  redisUrl: string;
  /** Stops only the servers this call started; safe to call more than once. */
  stop(): Promise<void>;
}

// An empty variable counts as unset, as in most shells' `VAR= command`.
const optionalUrl = z.preprocess((value) => (value === '' ? undefined : value), z.url().optional());
const serviceEnvSchema = z.object({ DATABASE_URL: optionalUrl, REDIS_URL: optionalUrl });

export async function ensureServices(options: EnsureServicesOptions): Promise<Services> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((message: string) => console.error(`[services] ${message}`));
  const parsed = serviceEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid service URL in the environment: ${z.prettifyError(parsed.error)}`);
  }

  const postgres = await ensurePostgres(parsed.data.DATABASE_URL, options, log);
  let redis: StartedService;
  try {
    redis = await ensureRedis(parsed.data.REDIS_URL, options.localRedisUrl ?? LOCAL_REDIS_URL, env.PATH, log);
  } catch (error) {
    await postgres.stop();
    throw error;
  }
  return {
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    stop: stopOnce(async () => {
      await Promise.all([redis.stop(), postgres.stop()]);
    }),
  };
}

async function ensurePostgres(
  configuredUrl: string | undefined,
  options: EnsureServicesOptions,
  log: (message: string) => void,
): Promise<StartedService> {
  if (configuredUrl !== undefined) return externalService(configuredUrl);
  if (options.database === 'local-if-unset') {
    const localUrl = options.localDatabaseUrl ?? LOCAL_DATABASE_URL;
    if (await postgresAnswers(localUrl)) return externalService(localUrl);
    log(`no Postgres answers at ${localUrl}; starting the embedded one`);
  }
  return startEmbeddedPostgres(options.embeddedDataDir ?? DEFAULT_EMBEDDED_DATA_DIR, log);
}

async function ensureRedis(
  configuredUrl: string | undefined,
  localUrl: string,
  path: string | undefined,
  log: (message: string) => void,
): Promise<StartedService> {
  if (configuredUrl !== undefined) return externalService(configuredUrl);
  if (await redisAnswers(localUrl)) return externalService(localUrl);
  const executable = findExecutable('redis-server', path);
  if (executable === null) {
    throw new Error(`No Redis answers at ${localUrl} and there is no redis-server on PATH. ${HOW_TO_GET_REDIS}`);
  }
  log(`no Redis answers at ${localUrl}; starting ${executable}`);
  return startRedisServer(executable, log);
}
