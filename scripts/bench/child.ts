import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';

/**
 * Runs one bench script in a fresh Node process (a backend is selected once per process) and parses
 * the JSON report on its last stdout line. stderr passes through, so failures explain themselves.
 */
export function runChild<T>(script: string, request: unknown, schema: z.ZodType<T>): Promise<T> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path, JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with code ${code}`));
      try {
        resolve(schema.parse(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')));
      } catch (error) {
        reject(new Error(`${script} printed no valid report: ${(error as Error).message}`));
      }
    });
  });
}
