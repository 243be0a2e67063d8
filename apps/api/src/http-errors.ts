import type { FastifyInstance } from 'fastify';
import { errorBodySchema, type ErrorBody, type ErrorCode } from '@lab/contracts';
import { RATE_LIMIT_HEADERS, RETRY_AFTER, WWW_AUTHENTICATE, type HeaderDoc } from './openapi/headers.ts';
import { responseOf } from './openapi/responses.ts';

type ErrorDetail = NonNullable<ErrorBody['error']['details']>[number];

/** An error a route throws on purpose: its status, code and message reach the client as they are. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', `${what} not found`);

export const conflict = (message: string): HttpError => new HttpError(409, 'conflict', message);

export const serviceUnavailable = (message: string): HttpError =>
  new HttpError(503, 'service_unavailable', message);

export const errorBody = (code: ErrorCode, message: string, details?: ErrorDetail[]): ErrorBody => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

/** Seconds a 503 asks the client to wait: about one reconciliation, long enough for a restart to show. */
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

/** What each error status means here, and the headers it comes with (the OpenAPI document's words). */
const ERROR_RESPONSES = {
  400: { description: 'Bad Request: the request is invalid; `details` names each field' },
  401: { description: 'Unauthorized: no valid API key (the same answer whatever was wrong with it)', headers: { 'WWW-Authenticate': WWW_AUTHENTICATE } },
  403: { description: 'Forbidden: the API key may not be used here (another scope)' },
  404: { description: "Not Found: no such resource (another tenant's is not found either)" },
  409: { description: 'Conflict: the resource is not in a state that allows this' },
  413: { description: 'Payload Too Large' },
  415: { description: 'Unsupported Media Type: a body must be application/json' },
  429: {
    description: "Too Many Requests: the key's rate limit, too many wrong keys from this address, or the tenant's cap on active runs (`run_cap_exceeded`)",
    headers: { 'Retry-After': { ...RETRY_AFTER, description: 'Seconds until the limit lifts (absent for the run cap, which lifts as runs finish)' } },
  },
  500: { description: 'Internal Server Error (the cause is logged, never answered)' },
  503: { description: 'Service Unavailable: Postgres or Redis cannot be reached; nothing was half-written, retry later', headers: { 'Retry-After': RETRY_AFTER } },
} as const satisfies Record<number, { description: string; headers?: Record<string, HeaderDoc> }>;

export type ErrorStatus = keyof typeof ERROR_RESPONSES;

const errorResponse = (status: ErrorStatus) => {
  const { description, ...rest } = ERROR_RESPONSES[status];
  return responseOf(errorBodySchema, description, 'headers' in rest ? { headers: rest.headers } : {});
};

/** Response schemas for the error statuses a route can answer with: all the one error shape. */
export function errorResponses<const Statuses extends readonly ErrorStatus[]>(
  ...statuses: Statuses
): { [Status in Statuses[number]]: ReturnType<typeof errorResponse> } {
  return Object.fromEntries(statuses.map((status) => [status, errorResponse(status)])) as {
    [Status in Statuses[number]]: ReturnType<typeof errorResponse>;
  };
}

/** A success (2xx) or 304 answer, which the rate limit has counted when it is sent. */
const isCounted = (status: string): boolean => /^(2\d\d|304)$/.test(status);

/**
 * Documents on every route registered below `app` what the onRequest hooks that guard them add: their
 * errors (API key, rate limit; the key is checked in Postgres, hence 503) and the rate limit's
 * headers on the answers it counted. Call it beside those hooks.
 */
export function documentGuardErrors(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.schema === undefined || route.schema.hide === true) return;
    const own = Object.entries((route.schema.response ?? {}) as Record<string, { headers?: Record<string, HeaderDoc> }>).map(
      ([status, response]) => [status, isCounted(status) ? { ...response, headers: { ...RATE_LIMIT_HEADERS, ...response.headers } } : response],
    );
    route.schema.response = { ...errorResponses(401, 403, 429, 503), ...Object.fromEntries(own) };
  });
}
