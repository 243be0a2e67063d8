import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';

export { PrismaClient };

export interface Db {
  prisma: PrismaClient;
  /** Disconnects; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * A Prisma client on the pg driver adapter (Prisma 7's `prisma-client` generator): no native query
 * engine to download at install or to load at run time; queries go through `pg`.
 */
export function createDb(databaseUrl: string): Db {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  let closing: Promise<void> | undefined;
  return {
    prisma,
    close: () => (closing ??= prisma.$disconnect()),
  };
}
