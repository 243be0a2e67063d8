/**
 * Whether an error means "Postgres cannot be reached right now" (down, restarting, connection cut or
 * refused, too many connections) rather than a problem with the query itself. Such errors are worth a
 * retry (worker) and are a 503, not a 500 (API). A missing database or a constraint violation is not.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== null && typeof current === 'object' && depth < 5; depth++) {
    const { code, meta, cause, message } = current as { code?: unknown; meta?: unknown; cause?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_PRISMA_CODES.has(code) || isUnavailableSqlState(code))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message) && !(current instanceof Error && 'meta' in current)) return true;
    const adapterCause = (meta as { driverAdapterError?: { cause?: AdapterCause } } | undefined)?.driverAdapterError?.cause;
    if (adapterCause !== undefined && isUnavailableAdapterCause(adapterCause)) return true;
    current = cause;
  }
  return false;
}

interface AdapterCause {
  kind?: unknown;
  code?: unknown;
  originalCode?: unknown;
}

/** Prisma's codes for: can't reach, timed out, server closed the connection, connection pool timeout. */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);

/** The driver adapter's kinds for the same situations. */
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/** SQLSTATE: class 08 (connection exception), admin/crash shutdown, cannot connect now, too many connections. */
function isUnavailableSqlState(code: string): boolean {
  return /^08[0-9A-Z]{3}$/.test(code) || ['57P01', '57P02', '57P03', '53300'].includes(code);
}

function isUnavailableAdapterCause(cause: AdapterCause): boolean {
  if (typeof cause.kind === 'string' && UNAVAILABLE_KINDS.has(cause.kind)) return true;
  return [cause.code, cause.originalCode].some((code) => typeof code === 'string' && isUnavailableSqlState(code));
}

/** Socket-level failures of the pg driver when they surface unwrapped. */
const UNAVAILABLE_MESSAGE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|connection timeout/i;
