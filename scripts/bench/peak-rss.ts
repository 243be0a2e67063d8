import { readFileSync } from 'node:fs';

/** Peak resident memory of a process so far (Linux's VmHWM), in MiB; null where it cannot be read. */
export function peakRssMiB(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}
