// What `npm run sweep:seed` and `npm run sweep:pruning` read from their command lines alike: the data
// to train on, how many seeds and worker processes, and from those the sweep of the lesson's
// configuration over the λ values each script studies.
import { SEED_SPEC, sweepRequestSchema, type SweepRequestInput } from '@lab/contracts';

/** The options both scripts take (for `parseArgs`, next to the script's own). */
export const seedSweepOptions = (defaultEpochs: number) =>
  ({
    epochs: { type: 'string', default: String(defaultEpochs) },
    'train-limit': { type: 'string' },
    'test-limit': { type: 'string' },
    seeds: { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
  }) as const;

interface SeedSweepValues {
  epochs: string;
  'train-limit'?: string | undefined;
  'test-limit'?: string | undefined;
  seeds: string;
  workers: string;
}

export function workerCount(values: SeedSweepValues): number {
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new Error('--workers must be a positive integer');
  return workers;
}

/** The lesson's configuration over `lambdas` × seeds 1…n; validated, so a typo is reported before anything starts. */
export function seedSweepRequest(values: SeedSweepValues, lambdas: readonly number[], extra: Partial<SweepRequestInput>): SweepRequestInput {
  const optional = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const request: SweepRequestInput = {
    base: {
      epochs: Number(values.epochs),
      batchSize: SEED_SPEC.batchSize,
      learningRate: SEED_SPEC.learningRate,
      hiddenLayers: [...SEED_SPEC.hiddenLayers],
      trainLimit: optional(values['train-limit']),
      testLimit: optional(values['test-limit']),
    },
    lambdas: [...lambdas],
    seeds: Array.from({ length: Number(values.seeds) }, (_, index) => index + 1),
    ...extra,
  };
  sweepRequestSchema.parse(request);
  return request;
}
