import { loadNativeKernels, nativeKernelsMode } from '@lab/native-kernels';

/**
 * Whether this machine runs the native kernels (the addon built against OpenBLAS at install). Tests
 * of the native path are skipped, naming the reason, only where they cannot run and nobody asked for
 * them: with LAB_NATIVE_KERNELS=required (as CI sets it) a missing addon fails them instead.
 */
const load = loadNativeKernels();
export const nativeKernelsHere = load.loaded;
export const skipWithoutNativeKernels: string | false =
  load.loaded || nativeKernelsMode() === 'required' ? false : `the native kernels do not run here (${load.reason})`;
