import { z } from 'zod';

/** tfjs backends a worker may be asked for; auto = tfjs-node-gpu → tfjs-node → wasm → cpu. */
export const BACKEND_PREFERENCES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** "is required" when unset, else the format expected. */
const urlError = (expected: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be a ${expected} URL`;

/** Settings every process of the service reads: where Postgres and Redis are, and how to log. */
export const serviceEnvShape = {
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: urlError('postgres://') }),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: urlError('redis://') }).default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix: lets tests and several deployments share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]+$/, 'letters, digits, ":", "_" or "-" only').default('lab'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /**
   * How often each process checks that the training queue agrees with Postgres (and at once whenever
   * Redis reconnects): a run whose job Redis lost is queued again within this.
   */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
};

/**
 * Parses an environment (process.env at boot, a literal in tests) once, with Zod. An empty variable
 * counts as unset, as shells and compose files often leave them so. Throws one error naming every
 * invalid variable.
 */
export function parseEnv<Schema extends z.ZodType>(
  schema: Schema,
  env: Readonly<Record<string, string | undefined>>,
  what: string,
): z.output<Schema> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid ${what} configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
