import type { PrismaClient } from '@lab/db';

/** Every row of every table, as JSON text, per table: what a rejected request must leave as it was. */
export async function databaseSnapshot(prisma: PrismaClient): Promise<Map<string, Set<string>>> {
  const tables = await prisma.$queryRaw<Array<{ name: string }>>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'`;
  const rows = new Map<string, Set<string>>();
  for (const { name } of tables) {
    const found = await prisma.$queryRawUnsafe<Array<{ row: string }>>(`SELECT to_jsonb(t)::text AS row FROM "${name}" t`);
    rows.set(name, new Set(found.map(({ row }) => row)));
  }
  return rows;
}
