import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createDb, ExperimentRepository, type PrismaClient } from '@lab/db';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
    experiments: ExperimentRepository;
  }
}

/** Postgres through Prisma: the client and the experiment repository, disconnected on close. */
async function dbPlugin(app: FastifyInstance, options: { databaseUrl: string }): Promise<void> {
  const db = createDb(options.databaseUrl);
  app.decorate('prisma', db.prisma);
  app.decorate('experiments', new ExperimentRepository(db.prisma));
  app.addHook('onClose', () => db.close());
}

export default fp(dbPlugin, { name: 'db' });
