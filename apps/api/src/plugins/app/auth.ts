import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { LOCAL_TENANT } from '@lab/contracts';
import { API_KEY_LENGTH, ApiKeys, type ApiKeyScope } from '@lab/db';
import { HttpError } from '../../http-errors.ts';
import { ACCESS_TOKEN_PARAMETER } from '../../logger-options.ts';

declare module 'fastify' {
  interface FastifyInstance {
    apiKeys: ApiKeys;
    /**
     * An onRequest hook admitting only requests whose key has `scope`; a `tenant` key sets
     * `request.tenantId`. Route groups add it, then `rateLimit()`.
     */
    authenticate(scope: ApiKeyScope): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    /** The tenant the request acts for: every read and change it makes is scoped to it. */
    tenantId: string;
  }
}

export interface AuthOptions {
  /** False (AUTH=disabled): tenant routes act for the single local tenant and /metrics is open. */
  enabled: boolean;
  /** Wrong keys one address may present per window before it gets 429. */
  failureLimit: number;
  windowMs: number;
}

const BEARER = /^Bearer +(\S+) *$/i;
/** Longer than any key: refused before anything is hashed or looked up. */
const MAX_AUTHORIZATION_LENGTH = API_KEY_LENGTH + 'Bearer '.length + 16;

/** The one answer to a missing, malformed, unknown or revoked key: it never says which. */
const unauthorized = (): HttpError => new HttpError(401, 'unauthorized', 'A valid API key is required: send it as Authorization: Bearer <key>');

/**
 * The key a request presents: its Bearer token, or — only on the event streams, which browsers open
 * with EventSource and so cannot send headers — an `access_token` query parameter. The parameter is
 * taken out of the query, so no route sees or validates it (and logs never show it: see logger-options).
 */
function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    if (header.length > MAX_AUTHORIZATION_LENGTH) return '';
    return BEARER.exec(header)?.[1] ?? '';
  }
  const query = request.query as Record<string, unknown> | undefined;
  const token = query?.[ACCESS_TOKEN_PARAMETER];
  if (token === undefined || request.method !== 'GET' || !request.routeOptions.url?.endsWith('/events')) return null;
  delete query?.[ACCESS_TOKEN_PARAMETER];
  return typeof token === 'string' && token.length <= API_KEY_LENGTH ? token : '';
}

/**
 * API keys (`Authorization: Bearer <key>`). Keys are stored hashed (packages/db's ApiKeys) and checked
 * on every request, so a revoked key stops working at once. An address that presents more than
 * `failureLimit` wrong keys in a window gets 429 for the rest of it, right keys included: guessing
 * is throttled, and answers never say whether a key exists, was revoked or is malformed.
 */
async function authPlugin(app: FastifyInstance, options: AuthOptions): Promise<void> {
  const apiKeys = new ApiKeys(app.prisma);
  app.decorate('apiKeys', apiKeys);
  app.decorateRequest('tenantId', LOCAL_TENANT);

  const wrongKeys = app.createRateLimit({
    max: options.failureLimit,
    timeWindow: options.windowMs,
    keyGenerator: (request) => `wrong-keys:${request.ip}`,
  });
  const throttled = (reply: FastifyReply, retryAfterSeconds: number): HttpError => {
    void reply.header('retry-after', String(retryAfterSeconds));
    return new HttpError(429, 'too_many_failed_authentications', `Too many wrong API keys from this address; retry in ${retryAfterSeconds} s`);
  };

  app.decorate('authenticate', (scope: ApiKeyScope) => async (request: FastifyRequest, reply: FastifyReply) => {
    if (!options.enabled && scope !== 'admin') return;
    const key = presentedKey(request);
    const seen = await wrongKeys(request, { increment: false });
    if (!seen.isAllowed && seen.remaining === 0) throw throttled(reply, seen.ttlInSeconds);
    const identity = key === null || key === '' ? null : await apiKeys.verify(key);
    if (identity === null) {
      if (key !== null) {
        const counted = await wrongKeys(request);
        if (!counted.isAllowed && counted.isExceeded) throw throttled(reply, counted.ttlInSeconds);
      }
      void reply.header('www-authenticate', 'Bearer realm="lab"');
      throw unauthorized();
    }
    if (identity.scope !== scope) throw new HttpError(403, 'forbidden', `This API key may not be used here: it is a ${identity.scope} key`);
    request.apiKeyId = identity.keyId;
    if (identity.tenantId !== null) request.tenantId = identity.tenantId;
  });

  if (!options.enabled) {
    app.log.warn(`AUTH=disabled: no API keys are checked; every request acts for the single tenant "${LOCAL_TENANT}"`);
    return;
  }
  app.addHook('onReady', async () => {
    const active = await apiKeys.countActive().catch(() => null);
    if (active === 0) app.log.warn('no API key exists yet: create one with `npm run keys -- create --tenant NAME`');
  });
}

export default fp(authPlugin, { name: 'auth', dependencies: ['db', 'rate-limit'] });
