import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';

/**
 * Runs `command` with `args` and parses the JSON report on its last stdout line. stderr passes
 * through, so failures explain themselves.
 */
export function runReporting<T>(command: string, args: string[], schema: z.ZodType<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${args.at(-2) ?? command} exited with code ${code}`));
      try {
        resolve(schema.parse(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')));
      } catch (error) {
        reject(new Error(`${args.at(-2) ?? command} printed no valid report: ${(error as Error).message}`));
      }
    });
  });
}

/** Runs one bench script in a fresh Node process (a backend is selected once per process); argv[2] is `request` as JSON. */
export function runChild<T>(script: string, request: unknown, schema: z.ZodType<T>): Promise<T> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  return runReporting(process.execPath, ['--import', 'tsx', path, JSON.stringify(request)], schema);
}

/**
 * Starts a bench script that prints `readyLine` once it is set up and then waits until its stdin
 * closes: `ready` resolves when it is set up, `go()` lets it run and resolves with its report.
 */
export function startChildOnSignal<T>(script: string, request: unknown, schema: z.ZodType<T>, readyLine: string): { ready: Promise<void>; go(): Promise<T> } {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', path, JSON.stringify(request)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  let markReady: () => void = () => {};
  let failReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  const report = new Promise<T>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.split('\n').includes(readyLine)) markReady();
    });
    child.on('error', (error) => {
      failReady(error);
      reject(error);
    });
    child.on('close', (code) => {
      failReady(new Error(`${script} exited (code ${code}) before it was ready`));
      if (code !== 0) return reject(new Error(`${script} exited with code ${code}`));
      try {
        resolve(schema.parse(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')));
      } catch (error) {
        reject(new Error(`${script} printed no valid report: ${(error as Error).message}`));
      }
    });
  });
  return {
    ready,
    go: () => {
      child.stdin.end();
      return report;
    },
  };
}
