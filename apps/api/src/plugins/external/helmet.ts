import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';

/**
 * Security headers (@fastify/helmet) on every response. Helmet's default Content-Security-Policy fits
 * the dashboard and /docs (scripts and styles from this origin only), with two changes: the dashboard
 * shows the API's SVG plots through blob: URLs, and requests are not forced to https (TLS is the
 * deployment's, in front of the API; on plain http the upgrade would break the page).
 */
async function helmetPlugin(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: { 'img-src': ["'self'", 'data:', 'blob:'], 'upgrade-insecure-requests': null },
    },
  });
}

export default fp(helmetPlugin, { name: 'helmet' });
