import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, databaseName, DEFAULT_MIGRATIONS_DIR, DEFAULT_TEST_DATABASE_URL } from '../src/index.ts';
import type { TestDatabase } from '../src/index.ts';
import { withPgSession } from '../src/pg-session.ts';

const serverUrl = process.env.DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;

const databaseNames = (): Promise<string[]> =>
  withPgSession(serverUrl, async (client) =>
    (await client.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((row) => row.datname),
  );

describe('createTestDatabase', () => {
  let migrationsDir: string;
  let templatesBefore: Set<string>;
  const created: TestDatabase[] = [];

  before(async () => {
    // A migration history of its own, so this file builds (and removes) a template nobody else uses.
    migrationsDir = await mkdtemp(join(tmpdir(), 'lab-migrations-'));
    await cp(DEFAULT_MIGRATIONS_DIR, migrationsDir, { recursive: true });
    await mkdir(join(migrationsDir, '20990101000000_marker'));
    await writeFile(
      join(migrationsDir, '20990101000000_marker', 'migration.sql'),
      `CREATE TABLE "marker" ("value" TEXT NOT NULL);\nINSERT INTO "marker" VALUES ('${migrationsDir}');`,
    );
    templatesBefore = new Set((await databaseNames()).filter((name) => name.startsWith('lab_template_')));
  });

  after(async () => {
    await Promise.all(created.map((database) => database.drop()));
    const ours = (await databaseNames()).filter((name) => name.startsWith('lab_template_') && !templatesBefore.has(name));
    await withPgSession(serverUrl, async (client) => {
      for (const name of ours) await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`);
    });
    await rm(migrationsDir, { recursive: true, force: true });
  });

  test('concurrent callers get distinct migrated databases built from one new template', async () => {
    const databases = await Promise.all(
      Array.from({ length: 4 }, () => createTestDatabase(serverUrl, { migrationsDir })),
    );
    created.push(...databases);
    assert.equal(new Set(databases.map((database) => database.url)).size, 4);
    for (const database of databases) {
      const markers = await withPgSession(database.url, async (client) => (await client.query('SELECT value FROM marker')).rows);
      assert.deepEqual(markers, [{ value: migrationsDir }]);
    }
    const newTemplates = (await databaseNames()).filter(
      (name) => name.startsWith('lab_template_') && !templatesBefore.has(name),
    );
    assert.equal(newTemplates.length, 1, 'a changed migration history builds exactly one new template');
    assert.ok(!newTemplates[0]!.endsWith('_building'));
  });

  test('empty databases have no tables at all', async () => {
    const database = await createTestDatabase(serverUrl, { empty: true });
    created.push(database);
    const tables = await withPgSession(database.url, async (client) =>
      (await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).rows,
    );
    assert.deepEqual(tables, []);
  });

  test('drop terminates open connections, removes the database, and is safe to call twice', async () => {
    const database = await createTestDatabase(serverUrl);
    const open = new pg.Client({ connectionString: database.url });
    open.on('error', () => {});
    await open.connect();
    try {
      await database.drop();
      await database.drop();
      assert.ok(!(await databaseNames()).includes(databaseName(database.url)));
    } finally {
      await open.end().catch(() => {});
    }
  });
});
