/** What bench-train.ts asks of its child processes, and what they report (one JSON line on stdout). */
import { z } from 'zod';
import { SEED_SPEC } from '@lab/contracts';
import { BACKEND_PREFERENCES, MATMUL_ROUTES } from '@lab/trainer';

/** The seed's configuration with a fixed random seed, so every compared configuration trains the same network. */
export const BENCH_SPEC = { ...SEED_SPEC, seed: 1 } as const;

/** 'off' runs the path of a machine where the native kernels cannot be built (LAB_NATIVE_KERNELS). */
const nativeKernelsSchema = z.enum(['auto', 'off']).default('auto');

export const trainingRunSchema = z.object({
  backend: z.enum(BACKEND_PREFERENCES),
  wasmThreads: z.number().int().min(1).default(1),
  nativeKernels: nativeKernelsSchema,
  /** 'train': the product's loop (train.ts); 'fit': plain tfjs-layers model.fit on the same model. */
  loop: z.enum(['train', 'fit']),
  /** The wasm matmul route to switch to after the backend starts ('stock': the naive path); absent: as selected. */
  matMul: z.enum(MATMUL_ROUTES).optional(),
  /** false: tfjs' own small kernels instead of the trainer's replacements (the path before them). */
  smallKernels: z.boolean().default(true),
  epochs: z.number().int().min(1),
  /** Train on the first N examples only (a sub-epoch, extrapolated to a full one); all when absent. */
  trainLimit: z.number().int().positive().optional(),
});
export type TrainingRun = z.input<typeof trainingRunSchema>;

export const trainingReportSchema = z.object({
  backendInfo: z.object({ backend: z.string(), provider: z.string(), tfjsVersion: z.string(), threads: z.number().nullable(), kernels: z.string() }),
  trainExamples: z.number(),
  /** Per epoch: every step's wall time in order (ms), from the start of one batch to the next. */
  stepMs: z.array(z.array(z.number())),
  /** Per epoch: wall time including validation on the test split. */
  epochMs: z.array(z.number()),
  /** Per epoch: wall time after the last timed step (last step, validation, end-of-epoch work). */
  tailMs: z.array(z.number()),
  tensors: z.object({ before: z.number(), perEpoch: z.array(z.number()), after: z.number() }),
  dataBuffers: z.object({ before: z.number(), perEpoch: z.array(z.number()), after: z.number() }),
  peakRssBytes: z.number(),
});
export type TrainingReport = z.infer<typeof trainingReportSchema>;

export const experimentsRunSchema = z.object({
  experiments: z.number().int().min(1),
  trainLimit: z.number().int(),
  testLimit: z.number().int(),
  epochs: z.number().int(),
  wasmThreads: z.number().int().min(1),
  nativeKernels: nativeKernelsSchema,
});
export type ExperimentsRun = z.input<typeof experimentsRunSchema>;
/** What run-experiments.ts prints once set up, before it waits for the signal to start. */
export const READY = 'READY';
export const experimentsReportSchema = z.object({
  experimentMs: z.array(z.number()),
  /** CPU time of the process (user + system) while it trained. */
  cpuMs: z.number(),
});
export type ExperimentsReport = z.infer<typeof experimentsReportSchema>;
