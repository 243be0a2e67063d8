import { z } from 'zod';
import { parseEnv, serviceEnvShape, type LogLevel } from '@lab/contracts';

const apiEnvSchema = z.object({
  ...serviceEnvShape,
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Large enough for MAX_PREDICTION_IMAGES images written as JSON numbers. */
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(2 * 1024 * 1024),
  /** Trained models kept loaded for predictions (least recently used evicted first). */
  MODEL_CACHE_SIZE: z.coerce.number().int().min(1).max(1000).default(4),
});

export type ApiConfig = {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  logLevel: LogLevel;
  bodyLimitBytes: number;
  queuePrefix: string;
  modelCacheSize: number;
  reconcileIntervalMs: number;
};

/**
 * Reads the API's settings from an environment (process.env at boot, a literal in tests).
 * An empty variable counts as unset; one error names every invalid variable (see parseEnv).
 */
export function loadApiConfig(env: Readonly<Record<string, string | undefined>>): ApiConfig {
  const settings = parseEnv(apiEnvSchema, env, 'API');
  return {
    port: settings.PORT,
    host: settings.HOST,
    databaseUrl: settings.DATABASE_URL,
    redisUrl: settings.REDIS_URL,
    logLevel: settings.LOG_LEVEL,
    bodyLimitBytes: settings.BODY_LIMIT_BYTES,
    queuePrefix: settings.QUEUE_PREFIX,
    modelCacheSize: settings.MODEL_CACHE_SIZE,
    reconcileIntervalMs: settings.RECONCILE_INTERVAL_MS,
  };
}
