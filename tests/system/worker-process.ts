import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { leaseHolderName } from '../../apps/worker/src/training-worker.ts';
import { startScriptArguments } from '../../scripts/start-scripts.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A real worker process (`npm run start:worker`'s command), as production runs it. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** The name its leases carry (`experiments.lease_holder` while it trains a run). */
  readonly holder: string;
  /** Resolves when the process has exited, with its code or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The process's JSON log lines so far (pino), parsed. */
  logs(): Array<Record<string, unknown>>;
  /** Sends `signal` and waits for the exit (SIGKILL: the kill -9 of a crash). */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, startScriptArguments('start:worker'), {
    cwd: ROOT,
    // The test reads the worker's log, so it always logs at info. Several workers run at once: each takes
    // a free metrics port (logged as 'metrics served') unless the test names one.
    env: { PATH: process.env.PATH ?? '', WORKER_METRICS_PORT: '0', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // A test that fails half-way must not leave a worker training behind it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));
  return {
    child,
    holder: leaseHolderName(child.pid ?? -1),
    exited,
    logs: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
