import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';

export { PrismaClient };

export interface Db {
  prisma: PrismaClient;
  /** Disconnects; safe to call more than once. */
  close(): Promise<void>;
}

/** A Prisma client on the pg driver adapter: no native query engine involved (DESIGN.md §4). */
export function createDb(databaseUrl: string): Db {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  let closing: Promise<void> | undefined;
  return {
    prisma,
    close: () => (closing ??= prisma.$disconnect()),
  };
}
