import { LogController, type FastifyServerOptions } from 'fastify';
import type { LogLevel } from '@lab/contracts';

/** The query parameter an event stream may carry its key in (EventSource cannot send headers). */
export const ACCESS_TOKEN_PARAMETER = 'access_token';

const ACCESS_TOKEN_IN_URL = new RegExp(`([?&]${ACCESS_TOKEN_PARAMETER}=)[^&#]*`, 'gi');

/** A URL as logged: an access token in its query is replaced. */
export const redactedUrl = (url: string): string => url.replace(ACCESS_TOKEN_IN_URL, '$1[redacted]');

/**
 * How the API logs: pino at `level`, each request's lines labelled `requestId`. Keys never reach a log:
 * the Authorization header is redacted wherever headers are logged, and a key in an event stream's URL
 * is cut out of the logged URL.
 */
export function loggingOptions(level: LogLevel): Pick<FastifyServerOptions, 'logger' | 'logController'> {
  const logger = {
    level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'request.headers.authorization'], censor: '[redacted]' },
    serializers: {
      req: (request: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
        method: request.method,
        url: redactedUrl(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  };
  return { logger, logController: new LogController({ requestIdLogLabel: 'requestId' }) };
}
