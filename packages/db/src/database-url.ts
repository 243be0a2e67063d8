/** The same server and credentials as `url`, pointing at the database `name`. */
export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

/** The database a connection URL names. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (name === '') throw new Error('the database URL names no database');
  return name;
}

/** Server-level statements (CREATE/DROP DATABASE) run from the always-present `postgres` database. */
export const maintenanceUrl = (url: string): string => withDatabaseName(url, 'postgres');
