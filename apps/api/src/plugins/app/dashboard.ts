import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { serviceUnavailable } from '../../http-errors.ts';

/** Where apps/web's build writes the page (`npm run build -w @lab/web`; every install runs it). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../../web/dist/', import.meta.url));

export interface DashboardOptions {
  /** The built page's folder; DASHBOARD_DIR by default. */
  root?: string;
}

/**
 * The dashboard page at `/` and its assets under `/assets/`; every other path keeps the API's 404.
 * Both are read from disk per request, so a rebuild is served without a restart, and until there is a
 * build `/` says how to make one.
 */
async function dashboardPlugin(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  const root = options.root ?? DASHBOARD_DIR;
  const page = join(root, 'index.html');
  const assets = join(root, 'assets');
  const notBuilt = `The dashboard is not built (no ${page}): run \`npm run build -w @lab/web\``;
  if (!existsSync(page)) app.log.warn(notBuilt);

  await app.register(fastifyStatic, {
    root: assets,
    prefix: '/assets/',
    index: false,
    cacheControl: false,
    setHeaders(reply, path) {
      // Asset names carry a hash of their content; the page itself is revalidated on every load.
      reply.header('cache-control', path.startsWith(assets + sep) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    if (!existsSync(page)) throw serviceUnavailable(notBuilt);
    return reply.sendFile('index.html', root);
  });
}

export default dashboardPlugin;
