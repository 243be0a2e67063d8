import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** "is required" when unset, else the format expected. */
const urlError = (expected: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be a ${expected} URL`;

const apiEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: urlError('postgres://') }),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: urlError('redis://') }).default('redis://127.0.0.1:6379'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Large enough for MAX_PREDICTION_IMAGES images written as JSON numbers. */
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(2 * 1024 * 1024),
  /** BullMQ key prefix: lets tests and several deployments share one Redis. */
  /** Trained models kept loaded for predictions (least recently used evicted first). */
  MODEL_CACHE_SIZE: z.coerce.number().int().min(1).max(1000).default(4),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]+$/, 'letters, digits, ":", "_" or "-" only').default('lab'),
});

export type ApiConfig = {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  logLevel: (typeof LOG_LEVELS)[number];
  bodyLimitBytes: number;
  queuePrefix: string;
  modelCacheSize: number;
};

/**
 * Reads the API's settings from an environment (process.env at boot, a literal in tests).
 * An empty variable counts as unset, as shells and compose files often leave them so.
 * Throws one error naming every invalid variable.
 */
export function loadApiConfig(env: Readonly<Record<string, string | undefined>>): ApiConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = apiEnvSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid API configuration: ${problems.join('; ')}`);
  }
  const settings = parsed.data;
  return {
    port: settings.PORT,
    host: settings.HOST,
    databaseUrl: settings.DATABASE_URL,
    redisUrl: settings.REDIS_URL,
    logLevel: settings.LOG_LEVEL,
    bodyLimitBytes: settings.BODY_LIMIT_BYTES,
    queuePrefix: settings.QUEUE_PREFIX,
    modelCacheSize: settings.MODEL_CACHE_SIZE,
  };
}
