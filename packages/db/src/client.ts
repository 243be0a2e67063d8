import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/client.ts';

export { PrismaClient };

export interface Db {
  prisma: PrismaClient;
  /**
   * The connections Prisma queries through, for the few writes that bypass it: Prisma 7 sends `Bytes`
   * as base64 inside a JSON query, several copies of a megabyte payload, where `pg` sends a Buffer as
   * one binary parameter.
   */
  pool: pg.Pool;
  /** Disconnects; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * A Prisma client on the pg driver adapter (Prisma 7's `prisma-client` generator): no native query
 * engine to download at install or to load at run time; queries go through `pg`.
 */
export function createDb(databaseUrl: string): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl });
  // An idle connection the server dropped (a restart, a forced DROP DATABASE) must not crash the
  // process; the next query gets a fresh connection or the error.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closing: Promise<void> | undefined;
  return {
    prisma,
    pool,
    close: () => (closing ??= prisma.$disconnect().finally(() => pool.end())),
  };
}
