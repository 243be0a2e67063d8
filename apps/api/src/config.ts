import { z } from 'zod';
import { parseEnv, serviceEnvShape, type LogLevel } from '@lab/contracts';
import { DEFAULT_SUBMISSION_LIMITS } from '@lab/runs';

const apiEnvSchema = z.object({
  ...serviceEnvShape,
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Large enough for MAX_PREDICTION_IMAGES images written as JSON numbers. */
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(2 * 1024 * 1024),
  /** Trained models kept loaded for predictions (least recently used evicted first). */
  MODEL_CACHE_SIZE: z.coerce.number().int().min(1).max(1000).default(4),
  /** `disabled`: no keys; every request acts for the single local tenant (a warning says so at start). */
  AUTH: z.enum(['enabled', 'disabled']).default('enabled'),
  /** Requests one key (or, without a key, one address) may make per RATE_LIMIT_WINDOW_MS. */
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).max(10_000_000).default(1_200),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  /** Wrong keys one address may present per RATE_LIMIT_WINDOW_MS before it gets 429 (brute force). */
  AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(20),
  /** Queued + running runs one tenant may have at once; past it a submission is refused with 429. */
  TENANT_MAX_ACTIVE_RUNS: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_SUBMISSION_LIMITS.maxActiveRunsPerTenant),
  /** Polled reads (experiments, histories, sweep summaries, plots) kept in memory while current. */
  READ_CACHE_ENTRIES: z.coerce.number().int().min(1).max(1_000_000).default(2_000),
  /** An event stream sends a heartbeat comment at least this often. */
  SSE_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(15_000),
  /** Unread bytes a stream's client may leave before it is cut off (it resumes from its last id). */
  SSE_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /**
   * The API's address as its clients reach it (`https://lab.example.com`, behind a proxy), named as the
   * OpenAPI document's server; unset, the document names `/`, the host it was fetched from.
   */
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://lab.example.com' })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /**
   * Which other origins' pages may call the API from a browser: `*` (any: access is decided by the
   * key, and the API uses no cookies), or a comma-separated list such as
   * `https://dash.example.com,http://localhost:5173`.
   */
  CORS_ORIGINS: z
    .string()
    .transform((value, ctx) => {
      if (value.trim() === '*') return '*' as const;
      const origins = value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
      const bad = origins.find((origin) => !/^https?:\/\/[^/\s]+$/.test(origin));
      if (origins.length === 0 || bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `must be * or a comma-separated list of origins like https://host:port${bad === undefined ? '' : ` (not ${bad})`}` });
        return z.NEVER;
      }
      return origins;
    })
    .default('*'),
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
  auth: { enabled: boolean; failureLimit: number };
  rateLimit: { max: number; windowMs: number };
  maxActiveRunsPerTenant: number;
  readCacheEntries: number;
  eventStreams: { heartbeatMs: number; maxBufferedBytes: number; retryMs: number };
  corsOrigins: '*' | string[];
  /** The OpenAPI document's server URL (no trailing slash); null: relative to the document. */
  publicUrl: string | null;
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
    auth: { enabled: settings.AUTH === 'enabled', failureLimit: settings.AUTH_FAILURE_LIMIT },
    rateLimit: { max: settings.RATE_LIMIT_MAX, windowMs: settings.RATE_LIMIT_WINDOW_MS },
    maxActiveRunsPerTenant: settings.TENANT_MAX_ACTIVE_RUNS,
    readCacheEntries: settings.READ_CACHE_ENTRIES,
    eventStreams: { heartbeatMs: settings.SSE_HEARTBEAT_MS, maxBufferedBytes: settings.SSE_MAX_BUFFERED_BYTES, retryMs: 2_000 },
    corsOrigins: settings.CORS_ORIGINS,
    publicUrl: settings.PUBLIC_URL ?? null,
  };
}
