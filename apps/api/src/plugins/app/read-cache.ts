import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { CachedReads } from '../../read-cache/cached-reads.ts';
import { VersionedCache } from '../../read-cache/versioned-cache.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The polled reads, cached by the version the run engine's events announce. */
    cachedReads: CachedReads;
  }
}

/** Reads kept in memory while the lifecycle events say they are current (see VersionedCache). */
async function readCachePlugin(app: FastifyInstance, options: { entries: number }): Promise<void> {
  const cache = new VersionedCache(app.runEvents, app.engine, options.entries);
  app.decorate('cachedReads', new CachedReads(cache, app.reads));
}

export default fp(readCachePlugin, { name: 'read-cache', dependencies: ['db', 'engine'] });
