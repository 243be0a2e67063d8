// `npm run db:migrate`: creates the database when missing, then applies pending migrations.
import { z } from 'zod';
import { ensureDatabase } from './ensure-database.ts';
import { migrate } from './migrate.ts';

const env = z.object({ DATABASE_URL: z.url({ message: 'DATABASE_URL must be a postgresql:// URL' }) }).safeParse(process.env);
if (!env.success) {
  console.error(z.prettifyError(env.error));
  process.exit(1);
}
const url = env.data.DATABASE_URL;

try {
  if (await ensureDatabase(url)) console.log('created the database');
  const { applied } = await migrate(url);
  console.log(applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
