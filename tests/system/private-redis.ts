import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../../scripts/services/free-port.ts';
import { redisAnswers } from '../../scripts/services/probes.ts';

/**
 * A `redis-server` of the test's own (restarting the shared one would disturb everyone else), with
 * AOF on as in docker-compose, so that a restart keeps the queue, as it does in production.
 */
export interface PrivateRedis {
  readonly url: string;
  /** Shuts the server down (SIGTERM: AOF flushed) and waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data folder, and waits until it answers. */
  start(): Promise<void>;
  /** Restarts it with its data gone, as a Redis that keeps nothing on disk (or a failover) loses it. */
  restartEmpty(): Promise<void>;
  /** Stops it for good and removes its data. */
  close(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await findFreePort();
  const dir = await mkdtemp(join(tmpdir(), 'lab-outage-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let server: ChildProcess | null = null;
  const killOnExit = () => server?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const start = async () => {
    if (server !== null) return;
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
    server = spawn('redis-server', args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await redisAnswers(url))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
      await sleep(50);
    }
  };
  const stop = async () => {
    const running = server;
    server = null;
    if (running === null || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url,
    stop,
    start,
    restartEmpty: async () => {
      await stop();
      for (const file of await readdir(dir)) await rm(join(dir, file), { recursive: true, force: true });
      await start();
    },
    close: async () => {
      await stop();
      process.removeListener('exit', killOnExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
