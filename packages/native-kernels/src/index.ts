import { createRequire } from 'node:module';
import { z } from 'zod';

/** The addon's functions; src/native_kernels.c documents each. Offsets and sizes count floats of `heap`. */
export interface NativeKernels {
  /**
   * For p in 0..batch: C_p = act(op(A_p) · op(B_p) + bias), row-major, where X_p starts at
   * xOffset + p × xStride (stride 0 broadcasts); biasOffset −1 means none; activation 0 is
   * linear, 1 relu. Bit-identical results for any `threads`.
   */
  sgemm(
    heap: Float32Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: number,
    transposeB: number,
    aOffset: number,
    aStride: number,
    bOffset: number,
    bStride: number,
    cOffset: number,
    biasOffset: number,
    activation: number,
    threads: number,
  ): void;
  /**
   * out = op(a, b) over `size` floats (op 0 add, 1 multiply, 2 relu, 3 step, 4 square); a is read as
   * rows × `columns`; bMode: 0 none (unary), 1 same shape, 2 scalar, 3 one row repeated, 4 one value
   * per row; alpha is step's value at and below zero.
   */
  elementwise(
    heap: Float32Array,
    op: number,
    size: number,
    columns: number,
    aOffset: number,
    bOffset: number,
    bMode: number,
    outOffset: number,
    alpha: number,
    threads: number,
  ): void;
  /** Row r of `out` becomes row order[start + r] of `source` (rows of `rowLength` bytes), converted to float32. */
  gatherRows(out: Float32Array, source: Uint8Array, order: Uint32Array, start: number, count: number, rowLength: number): void;
  /** out[j] = Σ_i x[i][j] over a rows × columns matrix, rows added in order. */
  columnSums(heap: Float32Array, rows: number, columns: number, xOffset: number, outOffset: number): void;
  /** Adam's update of one variable; coefficients [β1, β2, 1−β1, 1−β2, ε, −lr, 1−β1^t, 1−β2^t]; same bits for any `threads`. */
  adam(
    heap: Float32Array,
    size: number,
    valueOffset: number,
    gradientOffset: number,
    mOffset: number,
    vOffset: number,
    newValueOffset: number,
    newMOffset: number,
    newVOffset: number,
    coefficients: Float32Array,
    threads: number,
  ): void;
  /** OpenBLAS's build configuration and the kernel family it runs. */
  describe(): { config: string; core: string };
  /**
   * Fixes the C allocator's mmap threshold for the whole process (glibc's mallopt), so that freed
   * blocks of at least `bytes` go back to the system; false where it cannot be set.
   */
  setMmapThreshold(bytes: number): boolean;
  /** Caps the C allocator's arenas (glibc's mallopt) at `count` (1–64) for the whole process; false where it cannot be set. */
  setArenaMax(count: number): boolean;
  /** Gives every free page of the C allocator's arenas back to the system (glibc's malloc_trim); true where some was released. */
  trimMalloc(): boolean;
}

export const GEMM_ACTIVATION = { linear: 0, relu: 1 } as const;

/**
 * LAB_NATIVE_KERNELS: `auto` (default) uses the addon when it loads, `off` never loads it (to run
 * the fallback on purpose), `required` makes a failure to load an error instead of a fallback.
 */
export const nativeKernelsModeSchema = z.enum(['auto', 'off', 'required']).default('auto');
export type NativeKernelsMode = z.infer<typeof nativeKernelsModeSchema>;

export type NativeKernelsLoad =
  | { loaded: true; kernels: NativeKernels; openblas: { version: string; core: string } }
  | { loaded: false; mode: NativeKernelsMode; reason: string };

const KERNEL_FUNCTIONS = ['sgemm', 'elementwise', 'columnSums', 'adam', 'gatherRows', 'describe', 'setMmapThreshold', 'setArenaMax', 'trimMalloc'] as const satisfies readonly (keyof NativeKernels)[];

const require = createRequire(import.meta.url);
const ADDON = '../build/Release/native_kernels.node';

export function nativeKernelsMode(env: Readonly<Record<string, string | undefined>> = process.env): NativeKernelsMode {
  const parsed = nativeKernelsModeSchema.safeParse(env['LAB_NATIVE_KERNELS'] || undefined);
  if (!parsed.success) throw new Error(`LAB_NATIVE_KERNELS must be auto, off or required, got "${env['LAB_NATIVE_KERNELS']}"`);
  return parsed.data;
}

/** Loads the addon (Node loads it once per thread), or says why it is not used. */
export function loadNativeKernels(mode: NativeKernelsMode = nativeKernelsMode()): NativeKernelsLoad {
  if (mode === 'off') return { loaded: false, mode, reason: 'disabled by LAB_NATIVE_KERNELS=off' };
  try {
    const kernels = require(ADDON) as NativeKernels;
    // A build older than this file (an addon not rebuilt since a function was added) is not used.
    const missing = KERNEL_FUNCTIONS.filter((name) => typeof kernels[name] !== 'function');
    if (missing.length > 0) {
      return { loaded: false, mode, reason: `the @lab/native-kernels addon is an older build without ${missing.join(', ')} (run \`npm rebuild @lab/native-kernels\`)` };
    }
    const { config, core } = kernels.describe();
    // e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64"
    const version = /OpenBLAS ([\w.]+)/.exec(config)?.[1] ?? 'unknown';
    return { loaded: true, kernels, openblas: { version, core } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason = /Cannot find module/.test(message)
      ? 'the @lab/native-kernels addon was not built (it needs libopenblas-dev at install, then `npm rebuild @lab/native-kernels`)'
      : message;
    return { loaded: false, mode, reason };
  }
}
