/**
 * The PyTorch peer of the bench (pytorch-epoch.py): Debian's python3 with python3-torch (CPU,
 * OpenBLAS), installed with apt-get when missing and possible, else skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { DatasetSplits } from '@lab/contracts';
import { runReporting } from './child.ts';
import { BENCH_SPEC } from './protocol.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./pytorch-epoch.py', import.meta.url));

export const pytorchReportSchema = z.object({
  torch: z.string(),
  threads: z.number(),
  /** Per epoch: training steps plus validation on the test split. */
  epochMs: z.array(z.number()),
  /** Per epoch: CPU time of all the process's threads (Debian's OpenBLAS runs its own pool whatever torch's thread setting). */
  epochCpuMs: z.array(z.number()),
  stepMs: z.array(z.array(z.number())),
  valAccuracy: z.number(),
});
export type PyTorchReport = z.infer<typeof pytorchReportSchema>;

const torchVersion = () => {
  const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
};

/** The installed torch version, installing Debian's python3-torch first when it is missing; or why not. */
export function ensurePyTorch(): { version: string } | { skipped: string } {
  const installed = torchVersion();
  if (installed !== null) return { version: installed };
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version']).status !== 0) {
    return { skipped: `${PYTHON} has no torch, and apt-get cannot install python3-torch here (not root, or no apt-get)` };
  }
  console.log('bench: installing python3-torch with apt-get …');
  const apt = (...args: string[]) =>
    spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!apt('install', '-y', '-q', '--no-install-recommends', 'python3-torch')) apt('update', '-q') && apt('install', '-y', '-q', '--no-install-recommends', 'python3-torch');
  const version = torchVersion();
  return version === null ? { skipped: 'apt-get could not install python3-torch' } : { version };
}

/** The OpenBLAS kernel family PyTorch runs when OPENBLAS_CORETYPE is unset (OpenBLAS names it on load). */
export function openblasCoreAsInstalled(): string | null {
  const { OPENBLAS_CORETYPE: _ignored, ...env } = process.env;
  const probe = spawnSync(PYTHON, ['-c', 'import torch; (torch.ones(64, 64) @ torch.ones(64, 64)).sum()'], {
    encoding: 'utf8',
    env: { ...env, OPENBLAS_VERBOSE: '2' },
  });
  return /Core: (\w+)/.exec(`${probe.stdout}${probe.stderr}`)?.[1] ?? null;
}

/** Writes the splits as the raw uint8 files the peer reads; returns their folder. */
export function exportForPyTorch(data: DatasetSplits): string {
  const folder = mkdtempSync(join(tmpdir(), 'lab-bench-pytorch-'));
  writeFileSync(join(folder, 'train-images.u8'), data.train.images);
  writeFileSync(join(folder, 'train-labels.u8'), data.train.labels);
  writeFileSync(join(folder, 'test-images.u8'), data.test.images);
  writeFileSync(join(folder, 'test-labels.u8'), data.test.labels);
  return folder;
}

/**
 * Trains the lesson's configuration for `epochs` in PyTorch with `threads` threads. `coreType` sets
 * OPENBLAS_CORETYPE (the OpenBLAS kernel family); null leaves OpenBLAS's own choice.
 */
export function runPyTorch(folder: string, options: { threads: number; epochs: number; coreType: string | null }): Promise<PyTorchReport> {
  const { OPENBLAS_CORETYPE: _ignored, ...env } = process.env;
  const request = {
    data: folder,
    threads: options.threads,
    epochs: options.epochs,
    batchSize: BENCH_SPEC.batchSize,
    learningRate: BENCH_SPEC.learningRate,
    lambda: BENCH_SPEC.lambda,
    hiddenLayers: BENCH_SPEC.hiddenLayers,
    seed: BENCH_SPEC.seed,
  };
  return runReporting(PYTHON, [SCRIPT, JSON.stringify(request)], pytorchReportSchema, {
    ...env,
    ...(options.coreType === null ? {} : { OPENBLAS_CORETYPE: options.coreType }),
  });
}
