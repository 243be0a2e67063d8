import { resolve } from 'node:path';
import { z } from 'zod';
import type { LoadOptions } from './types.ts';

/** An unset or empty variable means "not configured"; relative paths are taken from the shell's cwd. */
const optionalPath = z
  .string()
  .optional()
  .transform((value) => (value ? resolve(value) : undefined));

const datasetEnvSchema = z.object({
  FASHION_MNIST_DIR: optionalPath,
  FASHION_MNIST_CACHE_DIR: optionalPath,
  FASHION_MNIST_DOWNLOAD: z.enum(['', '0', '1', 'false', 'true']).optional(),
});

/** Reads FASHION_MNIST_DIR, FASHION_MNIST_CACHE_DIR and FASHION_MNIST_DOWNLOAD (=1 to allow). */
export function datasetOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): LoadOptions {
  const parsed = datasetEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid dataset configuration: ${z.prettifyError(parsed.error)}`);
  const { FASHION_MNIST_DIR, FASHION_MNIST_CACHE_DIR, FASHION_MNIST_DOWNLOAD } = parsed.data;
  const options: LoadOptions = {
    allowDownload: FASHION_MNIST_DOWNLOAD === '1' || FASHION_MNIST_DOWNLOAD === 'true',
  };
  if (FASHION_MNIST_DIR) options.idxDir = FASHION_MNIST_DIR;
  if (FASHION_MNIST_CACHE_DIR) options.cacheDir = FASHION_MNIST_CACHE_DIR;
  return options;
}
