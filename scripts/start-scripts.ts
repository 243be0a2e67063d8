import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const PACKAGE_JSON = fileURLToPath(new URL('../package.json', import.meta.url));

const packageScriptsSchema = z.object({ scripts: z.record(z.string(), z.string()) });

/**
 * Node's arguments for a service process, read from package.json's `start:api` / `start:worker`: the
 * one place they are written (the Dockerfiles' CMDs are tested against the same scripts), so the
 * demo, `npm start` and the tests start each process exactly as production does. The worker's
 * `--max-semi-space-size=2` caps its main thread's young generation at 2 MiB per semi-space: V8
 * grew it to 32 MiB while the modules loaded at start and kept it resident, and that thread
 * only moves messages and database rows (see docs/benchmarks.md, where the worker's memory goes).
 */
export function startScriptArguments(name: 'start:api' | 'start:worker'): string[] {
  const script = packageScriptsSchema.parse(JSON.parse(readFileSync(PACKAGE_JSON, 'utf8'))).scripts[name];
  const [command, ...args] = script?.split(' ') ?? [];
  if (command !== 'node' || args.length === 0) throw new Error(`package.json's ${name} must be "node <arguments>", got ${JSON.stringify(script)}`);
  return args;
}
