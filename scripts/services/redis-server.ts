// A throw-away Redis for machines where none runs: `redis-server` from PATH, on a free port,
// keeping nothing on disk, in a temporary folder that stop() removes.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from './free-port.ts';
import { redisAnswers } from './probes.ts';
import { stopOnce, type StartedService } from './started-service.ts';

const READY_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 50;

export const HOW_TO_GET_REDIS =
  'Install Redis (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) ' +
  'or set REDIS_URL to a running one (e.g. REDIS_URL=redis://host:6379).';

/** The absolute path of `name` in the PATH folders, or null. */
export function findExecutable(name: string, path: string | undefined): string | null {
  for (const folder of (path ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** Starts the `redis-server` at `executable` and waits until it answers PING. */
export async function startRedisServer(executable: string, log: (message: string) => void): Promise<StartedService> {
  const port = await findFreePort();
  const dir = await mkdtemp(join(tmpdir(), 'lab-redis-'));
  const child = spawn(
    executable,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const remember = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', remember);
  child.stderr.on('data', remember);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  // If this process exits without stop(), do not leave the server behind.
  const killOnExit = () => child.kill();
  process.once('exit', killOnExit);

  const stop = stopOnce(async () => {
    process.removeListener('exit', killOnExit);
    if (!hasExited) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await redisAnswers(url))) {
    if (hasExited || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server (${executable}) did not start on port ${port}:\n${output}`);
    }
    await sleep(POLL_INTERVAL_MS);
  }
  log(`redis-server: started on 127.0.0.1:${port} (${executable}), nothing kept on disk`);
  return { url, stop };
}
