import type { NativeKernels } from '@lab/native-kernels';

/** The native kernels this thread loaded when its backend started, with the threads a GEMM may use. */
export interface Native {
  kernels: NativeKernels;
  openblas: { version: string; core: string };
  threads: number;
}

let loaded: Native | null = null;

export function setNative(native: Native): void {
  loaded = native;
}

/** The loaded native kernels, or null on the fallback path. */
export function native(): Native | null {
  return loaded;
}

/**
 * Gives the C allocator's free pages back to the system, where the native kernels loaded (they hold
 * the call). Between epochs the worker keeps tens of MiB freed but resident in glibc's arenas.
 */
export function releaseFreedMemory(): void {
  loaded?.kernels.trimMalloc();
}
