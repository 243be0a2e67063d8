import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, type ZodFastifySchemaValidationError } from 'fastify-type-provider-zod';
import type { ErrorCode } from '@lab/contracts';
import { isDatabaseUnavailable } from '@lab/db';
import { IdempotencyKeyReusedError, RunCapExceededError } from '@lab/runs';
import { errorBody, HttpError, RETRY_AFTER_UNAVAILABLE_SECONDS } from '../../http-errors.ts';
import { IDEMPOTENCY_KEY_HEADER } from '../../idempotency.ts';
import { REQUEST_ID_HEADER } from './request-id.ts';

/** Error codes for the framework's own 4xx errors, by status. */
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

/** Fastify's request-part names, as clients know them. */
const PART_NAMES: Readonly<Record<string, string>> = { querystring: 'query' };

/** `/images/3/0` → `images[3][0]`; `/spec/lambda` → `spec.lambda`. */
function formatPointer(pointer: string): string {
  return pointer
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment, index) => (/^\d+$/.test(segment) ? `[${segment}]` : index === 0 ? segment : `.${segment}`))
    .join('');
}

function joinPath(part: string, pointer: string): string {
  const inner = formatPointer(pointer);
  if (inner === '') return part;
  return inner.startsWith('[') ? `${part}${inner}` : `${part}.${inner}`;
}

/** One detail per failing field; a strict schema's unknown keys are each named. */
function validationDetails(part: string, issues: ZodFastifySchemaValidationError[]) {
  return issues.flatMap((issue) => {
    const unknownKeys = issue.keyword === 'unrecognized_keys' ? (issue.params as { keys?: unknown }).keys : undefined;
    if (Array.isArray(unknownKeys)) {
      return unknownKeys.map((key) => ({
        path: joinPath(part, `${issue.instancePath}/${String(key)}`),
        message: 'unknown field',
      }));
    }
    return [{ path: joinPath(part, issue.instancePath), message: issue.message ?? 'is invalid' }];
  });
}

/**
 * Errors Fastify raises before routing (a malformed URL such as `/v1/experiments/%`) never reach the
 * error handler: pass this as the `frameworkErrors` option so they get the one error shape too.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  // No hook runs for these, so the request id is added here.
  void reply.header(REQUEST_ID_HEADER, request.id).code(status).send(errorBody(error.code === 'FST_ERR_BAD_URL' ? 'bad_url' : CODE_BY_STATUS[status] ?? 'client_error', error.message));
}

/**
 * One JSON shape for every 4xx/5xx (`errorBodySchema`). Messages are exposed below 500 only: a 5xx
 * says "Internal Server Error" and the cause goes to the log, never to the client.
 */
async function errorHandlerPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      if (error.statusCode >= 500) request.log.warn({ err: error }, 'request could not be served');
      if (error.statusCode === 503) void reply.header('retry-after', String(RETRY_AFTER_UNAVAILABLE_SECONDS));
      return reply.code(error.statusCode).send(errorBody(error.code, error.message, error.details));
    }
    if (error instanceof IdempotencyKeyReusedError) {
      return reply.code(409).send(
        errorBody('idempotency_key_reused', error.message, [
          { path: `headers.${IDEMPOTENCY_KEY_HEADER}`, message: 'already used with a different request body' },
        ]),
      );
    }
    if (error instanceof RunCapExceededError) {
      return reply.code(429).send(
        errorBody('run_cap_exceeded', error.message, [
          { path: 'tenant', message: `at most ${error.cap} queued or running runs at once (${error.active} now, ${error.requested} asked for)` },
        ]),
      );
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const part = PART_NAMES[error.validationContext ?? ''] ?? error.validationContext ?? 'request';
      return reply
        .code(400)
        .send(errorBody('validation_error', 'Request validation failed', validationDetails(part, error.validation)));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return reply.code(400).send(errorBody('invalid_json', error.message));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply
          .code(415)
          .send(errorBody('unsupported_media_type', 'Content-Type must be application/json'));
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply
          .code(413)
          .send(errorBody('payload_too_large', `Request body is larger than ${app.initialConfig.bodyLimit} bytes`));
    }
    // Postgres down or restarting is not a bug of ours: the client may retry (and /readyz says so).
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'the database is unavailable');
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_UNAVAILABLE_SECONDS)).send(errorBody('service_unavailable', 'The database is unavailable; try again later'));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send(errorBody(CODE_BY_STATUS[status] ?? 'client_error', error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(errorBody('internal_error', 'Internal Server Error'));
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('not_found', `Route ${request.method} ${request.url} not found`)),
  );
}

export default fp(errorHandlerPlugin, { name: 'error-handler' });
