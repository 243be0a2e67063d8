import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's prisma/migrations folder. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations/', import.meta.url));

export interface MigrationFile {
  /** The folder name, e.g. `20251126170000_init`: what Prisma stores as `migration_name`. */
  name: string;
  script: string;
  /** sha256 of migration.sql, lowercase hex, as Prisma stores it. */
  checksum: string;
}

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Every `<folder>/migration.sql` of a Prisma migrations folder, in the order Prisma applies them (by name). */
export async function readMigrationFiles(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const folders = entries
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    folders.map(async (name) => {
      const script = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      return { name, script, checksum: sha256Hex(script) };
    }),
  );
}

/**
 * Whether a script still matches the checksum recorded when it was applied. Like Prisma's engine, a
 * script whose only change is its line endings (git on Windows) still matches.
 */
export function scriptMatchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replaceAll('\r\n', '\n'), script.replaceAll('\r\n', '\n').replaceAll('\n', '\r\n')];
  return variants.some((variant) => sha256Hex(variant) === checksum);
}

/** One hash of the whole migration history: changes whenever a migration is added or edited. */
export function migrationsFingerprint(migrations: readonly MigrationFile[]): string {
  return sha256Hex(migrations.map((migration) => `${migration.name}:${migration.checksum}`).join('\n'));
}
