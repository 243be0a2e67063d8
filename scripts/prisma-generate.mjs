// Runs `prisma generate` offline. Prisma insists on fetching its schema engine even though generate
// never executes it, so point it at any existing file: generate then succeeds where the engine cannot
// be downloaded. Real engines, where present, win.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const prismaBin = new URL('../node_modules/prisma/build/index.js', import.meta.url);
if (!existsSync(prismaBin)) {
  console.error('prisma is not installed: run npm install first');
  process.exit(1);
}
const result = spawnSync(process.execPath, [prismaBin.pathname, 'generate'], { env, stdio: 'inherit' });
process.exit(result.status ?? 1);
