import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, DEFAULT_MIGRATIONS_DIR, migrate, MigrationError, readMigrationFiles } from '../src/index.ts';
import type { TestDatabase } from '../src/index.ts';

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const tableNames = async (url: string): Promise<string[]> =>
  (
    await query<{ table_name: string }>(
      url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    )
  ).map((row) => row.table_name);

interface BookkeepingRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}
const bookkeeping = (url: string) =>
  query<BookkeepingRow>(url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');

describe('migrate', () => {
  let migrationsDir: string;
  const databases: TestDatabase[] = [];
  const emptyDatabase = async (): Promise<string> => {
    const database = await createTestDatabase(undefined, { empty: true });
    databases.push(database);
    return database.url;
  };

  before(async () => {
    // A private copy of the migrations, so tests can add and edit migrations freely.
    migrationsDir = await mkdtemp(join(tmpdir(), 'lab-migrations-'));
    await cp(DEFAULT_MIGRATIONS_DIR, migrationsDir, { recursive: true });
  });
  after(async () => {
    await Promise.all(databases.map((database) => database.drop()));
    await rm(migrationsDir, { recursive: true, force: true });
  });

  test("applies the project's migrations once, in order, then finds nothing to do", async () => {
    const url = await emptyDatabase();
    const names = (await readMigrationFiles()).map((migration) => migration.name);
    assert.match(names[0] ?? '', /^\d{14}_init$/);

    assert.deepEqual(await migrate(url), { applied: names });
    // Every table the schema declares, and no other: the hand-written migrations match the model.
    const schema = await readFile(new URL('../../../prisma/schema.prisma', import.meta.url), 'utf8');
    const declared = [...schema.matchAll(/^\s*@@map\("([a-z_]+)"\)/gm)].map((match) => match[1]!);
    assert.ok(declared.includes('experiments') && declared.includes('epoch_metrics'));
    assert.deepEqual((await tableNames(url)).sort(), ['_prisma_migrations', ...declared].sort());
    assert.deepEqual(await migrate(url), { applied: [] });
    assert.equal((await bookkeeping(url)).length, names.length);
  });

  test("keeps Prisma's bookkeeping: checksum is the sha256 of migration.sql, one finished step", async () => {
    const url = await emptyDatabase();
    const before = new Date();
    await migrate(url);
    const [row] = await bookkeeping(url);
    assert.ok(row);
    const script = await readFile(join(DEFAULT_MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
    assert.equal(row.checksum, createHash('sha256').update(script).digest('hex'));
    assert.match(row.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(row.applied_steps_count, 1);
    assert.equal(row.logs, null);
    assert.equal(row.rolled_back_at, null);
    assert.ok(row.finished_at !== null && row.finished_at >= row.started_at);
    assert.ok(row.started_at.getTime() >= before.getTime() - 1_000);

    const columns = await query<{ column_name: string; data_type: string; is_nullable: string }>(
      url,
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    assert.deepEqual(
      columns.map((column) => `${column.column_name} ${column.data_type} ${column.is_nullable}`),
      [
        'id character varying NO',
        'checksum character varying NO',
        'finished_at timestamp with time zone YES',
        'migration_name character varying NO',
        'logs text YES',
        'rolled_back_at timestamp with time zone YES',
        'started_at timestamp with time zone NO',
        'applied_steps_count integer NO',
      ],
    );
  });

  test('applies only the pending migrations, in folder-name order', async () => {
    const url = await emptyDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'lab-migrations-'));
    try {
      await cp(migrationsDir, dir, { recursive: true });
      await migrate(url, { migrationsDir: dir });
      // Written in reverse order: the runner must sort by name, not by creation.
      for (const [name, sql] of [
        ['20990102000000_second', 'ALTER TABLE "notes" ADD COLUMN "body" TEXT;'],
        ['20990101000000_first', 'CREATE TABLE "notes" ("id" INTEGER NOT NULL);'],
      ] as const) {
        await mkdir(join(dir, name));
        await writeFile(join(dir, name, 'migration.sql'), sql);
      }
      assert.deepEqual(await migrate(url, { migrationsDir: dir }), {
        applied: ['20990101000000_first', '20990102000000_second'],
      });
      const columns = await query<{ column_name: string }>(
        url,
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'notes' ORDER BY ordinal_position`,
      );
      assert.deepEqual(columns.map((column) => column.column_name), ['id', 'body']);
      assert.equal((await bookkeeping(url)).length, (await readMigrationFiles()).length + 2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a failing migration leaves neither schema changes nor a bookkeeping row', async () => {
    const url = await emptyDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'lab-migrations-'));
    try {
      await cp(migrationsDir, dir, { recursive: true });
      await mkdir(join(dir, '20990101000000_broken'));
      await writeFile(
        join(dir, '20990101000000_broken', 'migration.sql'),
        'CREATE TABLE "half" ("id" INTEGER);\nSELECT no_such_function();',
      );
      await assert.rejects(migrate(url, { migrationsDir: dir }), (error: unknown) => {
        assert.ok(error instanceof MigrationError);
        assert.match(error.message, /20990101000000_broken failed/);
        return true;
      });
      const tables = await tableNames(url);
      assert.ok(!tables.includes('half'));
      // The migrations before it stay applied.
      assert.deepEqual(
        (await bookkeeping(url)).map((row) => row.migration_name),
        (await readMigrationFiles()).map((migration) => migration.name),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('refuses to run when an applied migration was edited', async () => {
    const url = await emptyDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'lab-migrations-'));
    try {
      await cp(migrationsDir, dir, { recursive: true });
      await migrate(url, { migrationsDir: dir });
      const [init] = await readMigrationFiles(dir);
      assert.ok(init);
      await writeFile(join(dir, init.name, 'migration.sql'), `${init.script}\n-- edited after it was applied\n`);
      await mkdir(join(dir, '20990101000000_next'));
      await writeFile(join(dir, '20990101000000_next', 'migration.sql'), 'CREATE TABLE "next" ("id" INTEGER);');

      await assert.rejects(migrate(url, { migrationsDir: dir }), /was modified after it was applied/);
      assert.ok(!(await tableNames(url)).includes('next'), 'nothing after the refusal may be applied');

      // Only line endings changed (git on Windows): still the same migration, as for Prisma.
      await writeFile(join(dir, init.name, 'migration.sql'), init.script.replaceAll('\n', '\r\n'));
      assert.deepEqual(await migrate(url, { migrationsDir: dir }), { applied: ['20990101000000_next'] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('refuses to run over a failed migration that Prisma recorded and nobody resolved', async () => {
    const url = await emptyDatabase();
    await migrate(url);
    await query(url, `UPDATE "_prisma_migrations" SET finished_at = NULL, logs = 'boom'`);
    await assert.rejects(migrate(url), /failed earlier and was not resolved/);

    await query(url, `UPDATE "_prisma_migrations" SET rolled_back_at = now()`);
    await query(url, 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    // A rolled-back migration is pending again, exactly as `prisma migrate resolve --rolled-back` means.
    assert.equal((await migrate(url)).applied.length, (await readMigrationFiles()).length);
  });

  test('concurrent runs apply each migration exactly once', async () => {
    const url = await emptyDatabase();
    const results = await Promise.all(Array.from({ length: 5 }, () => migrate(url)));
    const applied = results.flatMap((result) => result.applied);
    const names = (await readMigrationFiles()).map((migration) => migration.name);
    assert.deepEqual(applied.sort(), names);
    assert.equal((await bookkeeping(url)).length, names.length);
  });
});
