import { randomBytes } from 'node:crypto';
import { maintenanceUrl, withDatabaseName } from './database-url.ts';
import { migrate } from './migrate.ts';
import { DEFAULT_MIGRATIONS_DIR, migrationsFingerprint, readMigrationFiles } from './migration-files.ts';
import { quoteIdentifier, withPgSession } from './pg-session.ts';

export const DEFAULT_TEST_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  /** Drops the database, terminating whatever is still connected to it. Safe to call twice. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** An empty database instead of a migrated one (for testing the migration runner itself). */
  empty?: boolean;
  /** The migrations the database is built from; defaults to the repository's prisma/migrations. */
  migrationsDir?: string;
}

/**
 * A fresh, uniquely named database for one test file. Migrated databases are cloned from a template
 * that is built once per migration history (its name carries the history's hash, so editing or adding
 * a migration builds a new one); cloning takes milliseconds where migrating takes much longer.
 */
export async function createTestDatabase(
  baseUrl: string = process.env.DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const name = `lab_test_${randomBytes(8).toString('hex')}`;
  const template = options.empty ? undefined : await ensureTemplate(baseUrl, options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  const clone = template === undefined ? '' : ` TEMPLATE ${quoteIdentifier(template)}`;
  await withPgSession(maintenanceUrl(baseUrl), (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}${clone}`));
  let dropping: Promise<void> | undefined;
  return {
    url: withDatabaseName(baseUrl, name),
    drop: () => (dropping ??= dropDatabase(baseUrl, name)),
  };
}

async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  await withPgSession(maintenanceUrl(baseUrl), (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
  );
}

const TEMPLATE_PREFIX = 'lab_template_';
const templateName = (fingerprint: string): string => `${TEMPLATE_PREFIX}${fingerprint.slice(0, 16)}`;

/**
 * Builds the migrated template if it does not exist yet and returns its name. Concurrent test files
 * serialise on an advisory lock; the template is migrated under a temporary name and renamed only when
 * complete, so a crash mid-build never leaves a half-migrated template behind.
 */
async function ensureTemplate(baseUrl: string, migrationsDir: string): Promise<string> {
  const fingerprint = migrationsFingerprint(await readMigrationFiles(migrationsDir));
  const template = templateName(fingerprint);
  const building = `${template}_building`;
  return withPgSession(maintenanceUrl(baseUrl), async (client) => {
    const exists = async () =>
      (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount !== 0;
    if (await exists()) return template;
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [template]);
    try {
      if (await exists()) return template;
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(building)} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${quoteIdentifier(building)}`);
      await migrate(withDatabaseName(baseUrl, building), { migrationsDir });
      // Nobody connects to a template: a stray connection would make CREATE DATABASE … TEMPLATE fail.
      await client.query(`ALTER DATABASE ${quoteIdentifier(building)} WITH ALLOW_CONNECTIONS false`);
      await client.query(`ALTER DATABASE ${quoteIdentifier(building)} RENAME TO ${quoteIdentifier(template)}`);
      return template;
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [template]);
    }
  });
}
