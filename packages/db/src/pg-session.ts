import pg from 'pg';

/** Runs `work` on one dedicated connection (session-level advisory locks need one) and always closes it. */
export async function withPgSession<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  // A connection killed by the server (e.g. DROP DATABASE … WITH (FORCE)) must not crash the process.
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    // Closing a connection the server already dropped must not hide the work's own outcome.
    await client.end().catch(() => {});
  }
}

export const quoteIdentifier = (name: string): string => pg.escapeIdentifier(name);
