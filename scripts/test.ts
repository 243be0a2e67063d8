// `npm test`: typecheck, make sure Postgres, Redis (see services.ts) and Chromium are there, then run every
// test file with Node's test runner, one file at a time, and exit with its code.
//   npm test                                  typecheck + every *.test.ts
//   npm test -- packages/db/test/x.test.ts    only the files (or folders) named, no typecheck
//   npm test -- --test-name-pattern=epoch     other arguments go to `node --test` as they are
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureServices } from './services.ts';
import { ensureChromium } from './services/chromium.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const TEST_ROOTS = ['apps', 'packages'] as const; // each <root>/<name>/test
/** Tests of the whole system (API, worker processes, Postgres, Redis together), and of the scripts. */
const SYSTEM_TESTS = 'tests/system';
const SCRIPT_TESTS = 'scripts/test';

/** Every *.test.ts under `folder`, as paths relative to the repo root. */
function testFilesIn(folder: string): string[] {
  const absolute = join(root, folder);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts') && !name.split('/').includes('node_modules'))
    .map((name) => relative(root, join(absolute, name)));
}

function allTestFiles(): string[] {
  const folders = TEST_ROOTS.flatMap((top) =>
    existsSync(join(root, top)) ? readdirSync(join(root, top)).map((name) => join(top, name, 'test')) : [],
  );
  return [...folders, SYSTEM_TESTS, SCRIPT_TESTS].flatMap(testFilesIn).sort();
}

/** Splits CLI arguments into named test files (folders expanded) and flags for `node --test`. */
function parseArguments(args: string[]): { files: string[]; flags: string[] } {
  const files: string[] = [];
  const flags: string[] = [];
  for (const arg of args) {
    if (arg.startsWith('-') || !existsSync(join(root, arg))) flags.push(arg);
    else if (statSync(join(root, arg)).isDirectory()) files.push(...testFilesIn(arg).sort());
    else files.push(arg);
  }
  return { files, flags };
}

function typecheck(): boolean {
  console.log('typecheck: tsc -p tsconfig.json');
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  return result.status === 0;
}

const named = parseArguments(process.argv.slice(2));
const files = named.files.length > 0 ? named.files : allTestFiles();
if (files.length === 0) {
  console.error('no *.test.ts files found');
  process.exit(1);
}
// Naming files is the edit-run loop: the full typecheck (seconds) is left to the full run.
if (named.files.length === 0 && !typecheck()) {
  console.error('typecheck failed');
  process.exit(1);
}

ensureChromium((message) => console.error(`[services] ${message}`));
const services = await ensureServices({ database: 'local-if-unset' });
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', ...named.flags, ...files],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl },
  },
);
// Ctrl-C reaches the child through the terminal; a plain SIGTERM to us is passed on. Either way we
// wait for the child, then stop the services below.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => child.kill(signal));
}
const exitCode = await new Promise<number>((resolve) => {
  child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
});
await services.stop();
process.exit(exitCode);

