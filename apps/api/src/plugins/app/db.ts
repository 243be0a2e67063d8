import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createDb, ExperimentReads, SweepReads, type Db, type PrismaClient } from '@lab/db';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
    /** Prisma and the pool under it; the run engine writes checkpoints through the pool. */
    db: Db;
    /** What routes read; every read is scoped to the request's tenant. Changes go through `engine`. */
    reads: { experiments: ExperimentReads; sweeps: SweepReads };
  }
}

/** Postgres through Prisma: the client and the read repositories, disconnected on close. */
async function dbPlugin(app: FastifyInstance, options: { databaseUrl: string }): Promise<void> {
  const db = createDb(options.databaseUrl);
  app.decorate('db', db);
  app.decorate('prisma', db.prisma);
  app.decorate('reads', { experiments: new ExperimentReads(db.prisma), sweeps: new SweepReads(db.prisma) });
  app.addHook('onClose', () => db.close());
}

export default fp(dbPlugin, { name: 'db' });
