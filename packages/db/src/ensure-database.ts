import { databaseName, maintenanceUrl } from './database-url.ts';
import { quoteIdentifier, withPgSession } from './pg-session.ts';

const DUPLICATE_DATABASE = '42P04';

/** Creates the database named in `databaseUrl` when it does not exist yet. Returns whether it created it. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseName(databaseUrl);
  return withPgSession(maintenanceUrl(databaseUrl), async (client) => {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount !== 0) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
      return true;
    } catch (error) {
      // Another process created it between our check and our CREATE: that is what we wanted.
      if ((error as { code?: string }).code === DUPLICATE_DATABASE) return false;
      throw error;
    }
  });
}
