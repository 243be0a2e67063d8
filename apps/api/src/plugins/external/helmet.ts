import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet's default Content-Security-Policy fits the dashboard and /docs (scripts and styles from this
 * origin only), with two changes: the dashboard shows the API's SVG plots through blob: URLs, and
 * requests are not forced to https (TLS is the deployment's, in front of the API; on plain http the
 * upgrade would break the page).
 */
const OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: { 'img-src': ["'self'", 'data:', 'blob:'], 'upgrade-insecure-requests': null },
  },
};

/**
 * The headers helmet sets, computed once: they depend on no request (no nonces), and building them
 * per request (as @fastify/helmet does, parsing the CSP each time) cost a polled read a fifth of its
 * throughput.
 */
function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  } as unknown as ServerResponse;
  helmet(OPTIONS)({} as never, response, () => {});
  return headers;
}

/** Security headers (helmet's) on every response. */
async function helmetPlugin(app: FastifyInstance): Promise<void> {
  const headers = securityHeaders();
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(headers);
  });
}

export default fp(helmetPlugin, { name: 'helmet' });
