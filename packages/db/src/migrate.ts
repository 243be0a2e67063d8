import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { DEFAULT_MIGRATIONS_DIR, readMigrationFiles, scriptMatchesChecksum } from './migration-files.ts';
import { withPgSession } from './pg-session.ts';

/** The key Prisma Migrate itself locks, so this runner and `prisma migrate deploy` never overlap. */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

/** Prisma's bookkeeping table, created exactly as Prisma's schema engine creates it on Postgres. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export interface MigrateOptions {
  /** A Prisma migrations folder; defaults to the repository's prisma/migrations. */
  migrationsDir?: string;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies the pending migrations in order, each in its own transaction, and records them in
 * `_prisma_migrations` as Prisma does (so `prisma migrate status/deploy` agree where the engine
 * exists). Refuses to run when an applied migration was edited or a failed one awaits resolution.
 * Concurrent callers serialise on Prisma's advisory lock; the later ones find nothing left to do.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const migrations = await readMigrationFiles(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  return withPgSession(databaseUrl, async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const rows = await client.query<AppliedRow>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
      );
      const applied = assertHistoryIsSound(rows.rows, migrations);
      const pending = migrations.filter((migration) => !applied.has(migration.name));
      for (const migration of pending) await applyOne(client, migration);
      return { applied: pending.map((migration) => migration.name) };
    } finally {
      // Ending the session releases the lock too, so a failed unlock must not hide the real error.
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]).catch(() => {});
    }
  });
}

/** Returns the names of the applied migrations, after checking that the history can be built upon. */
function assertHistoryIsSound(
  rows: readonly AppliedRow[],
  migrations: readonly { name: string; script: string }[],
): Set<string> {
  const live = rows.filter((row) => row.rolled_back_at === null);
  const failed = live.filter((row) => row.finished_at === null);
  if (failed.length > 0) {
    throw new MigrationError(
      `migration ${failed.map((row) => row.migration_name).join(', ')} failed earlier and was not resolved ` +
        '(mark it with `prisma migrate resolve` once the database is repaired)',
    );
  }
  const scripts = new Map(migrations.map((migration) => [migration.name, migration.script]));
  for (const row of live) {
    const script = scripts.get(row.migration_name);
    if (script !== undefined && !scriptMatchesChecksum(script, row.checksum)) {
      throw new MigrationError(
        `migration ${row.migration_name} was modified after it was applied (checksum mismatch); ` +
          'add a new migration instead of editing an applied one',
      );
    }
  }
  return new Set(live.map((row) => row.migration_name));
}

/**
 * The bookkeeping row is written in the same transaction as the script, so a failed script leaves
 * neither schema changes nor a failed row behind: fix it and run again. (Scripts that Postgres refuses
 * inside a transaction, e.g. CREATE INDEX CONCURRENTLY, are therefore not supported.)
 */
async function applyOne(client: pg.Client, migration: { name: string; script: string; checksum: string }): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, clock_timestamp(), 0)`,
      [id, migration.checksum, migration.name],
    );
    await client.query(migration.script);
    // Prisma counts a Postgres migration script as one step.
    await client.query(
      `UPDATE "_prisma_migrations" SET applied_steps_count = 1, finished_at = clock_timestamp() WHERE id = $1`,
      [id],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw new MigrationError(`migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
  }
}
