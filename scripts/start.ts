// `npm start`: migrate, then run the API and WORKERS (default 1) worker processes in the
// foreground; SIGINT/SIGTERM stop them gracefully (workers hand running jobs back to the queue).
// Configuration comes from the environment: DATABASE_URL (required), REDIS_URL, PORT, ….
import { z } from 'zod';
import { parseEnv, serviceEnvShape } from '@lab/contracts';
import { migrate } from '@lab/db';
import { startStack } from './stack.ts';

const settings = parseEnv(
  z.object({
    DATABASE_URL: serviceEnvShape.DATABASE_URL,
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    WORKERS: z.coerce.number().int().min(0).max(32).default(1),
  }),
  process.env,
  'start',
);
await migrate(settings.DATABASE_URL);
const stack = startStack({ env: process.env, port: settings.PORT, workers: settings.WORKERS });
const stop = () => void stack.stop().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
// If a process dies on its own, take the rest down too: a half-running service is worse than none.
for (const child of stack.processes) {
  child.once('exit', (code) => {
    if (code !== 0) console.error(`${child.spawnargs.at(-1)} exited with code ${code}; stopping`);
    stop();
  });
}
