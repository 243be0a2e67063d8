// Starts the service as real processes — the API and N workers — the way `npm start` and the demo
// run it, with each process's output in a log file.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startScriptArguments } from './start-scripts.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface StackOptions {
  env: NodeJS.ProcessEnv;
  port: number;
  workers?: number;
  /** Folder for api.log and worker-<n>.log; with none, output goes to this terminal. */
  logDir?: string;
}

export interface RunningStack {
  baseUrl: string;
  processes: ChildProcess[];
  /** SIGTERM to every process (graceful: workers hand their jobs back), then wait. Safe twice. */
  stop(): Promise<void>;
}

function startProcess(script: 'start:api' | 'start:worker', env: NodeJS.ProcessEnv, logFile: string | null): ChildProcess {
  const child = spawn(process.execPath, startScriptArguments(script), {
    cwd: root,
    env,
    stdio: logFile === null ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  });
  if (logFile !== null) {
    const log = createWriteStream(logFile, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  return child;
}

/** Worker n's metrics port: WORKER_METRICS_PORT (default 9465) + n − 1, so that workers on one host never collide. */
function workerMetricsPort(env: NodeJS.ProcessEnv, n: number): string {
  const first = env.WORKER_METRICS_PORT || '9465';
  return /^[1-9]\d*$/.test(first) ? String(Number(first) + n - 1) : first;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

export function startStack(options: StackOptions): RunningStack {
  const env = { ...options.env, PORT: String(options.port) };
  if (options.logDir !== undefined) mkdirSync(options.logDir, { recursive: true });
  const logFile = (name: string) => (options.logDir === undefined ? null : join(options.logDir, `${name}.log`));
  const processes = [startProcess('start:api', env, logFile('api'))];
  for (let n = 1; n <= (options.workers ?? 1); n++) {
    processes.push(startProcess('start:worker', { ...env, WORKER_METRICS_PORT: workerMetricsPort(env, n) }, logFile(`worker-${n}`)));
  }
  let stopping: Promise<void> | null = null;
  return {
    baseUrl: `http://127.0.0.1:${options.port}`,
    processes,
    stop: () =>
      (stopping ??= (async () => {
        for (const child of processes) if (child.exitCode === null) child.kill('SIGTERM');
        await Promise.all(processes.map(exited));
      })()),
  };
}

/** Waits until the API answers /readyz with 200, or fails when a process exits or time runs out. */
export async function waitUntilReady(stack: RunningStack, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dead = stack.processes.find((child) => child.exitCode !== null);
    if (dead !== undefined) throw new Error(`${dead.spawnargs.at(-1)} exited with code ${dead.exitCode}`);
    try {
      const response = await fetch(`${stack.baseUrl}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the API did not become ready within ${timeoutMs / 1000} s`);
}
