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
 * The dashboard page at `/`, with its hashed assets. Only the files of the build are routed (no
 * wildcard), so every other path still gets the API's 404. Without a build, `/` says how to make one.
 */
async function dashboardPlugin(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  const root = options.root ?? DASHBOARD_DIR;
  if (!existsSync(join(root, 'index.html'))) {
    const message = `The dashboard is not built (no ${join(root, 'index.html')}): run \`npm run build -w @lab/web\` and restart the API`;
    app.log.warn(message);
    app.get('/', { schema: { hide: true } }, async () => {
      throw serviceUnavailable(message);
    });
    return;
  }
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    cacheControl: false,
    index: 'index.html',
    setHeaders(reply, path) {
      // Asset names carry a hash of their content; the page itself is revalidated on every load.
      const immutable = path.startsWith(join(root, 'assets') + sep);
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}

export default dashboardPlugin;
