import { randomUUID } from 'node:crypto';
import { formatLambda, resolveLambdas, type SweepRequest, type SweepSpec } from '@lab/contracts';
import type { NewSweepRun } from './submission.ts';

/**
 * A sweep request turned into what is stored: the sweep's spec and one experiment per λ and seed,
 * λ by λ in the order given and seeds ascending within a λ. Without `seeds`, every λ runs with one
 * seed (`base.seed`, or `drawSeed()` once for the sweep), so that the runs differ by λ alone.
 */
export function planSweep(sweepId: string, request: SweepRequest, drawSeed: () => number): { spec: SweepSpec; runs: NewSweepRun[] } {
  const { seed, ...base } = request.base;
  const seeds = request.seeds === undefined ? [seed ?? drawSeed()] : [...request.seeds].sort((a, b) => a - b);
  const lambdas = resolveLambdas(request.lambdas);
  const title = request.name ?? `sweep ${sweepId.slice(0, 8)}`;
  const runs = lambdas.flatMap((lambda) =>
    seeds.map((runSeed) => {
      const name = `${title}: λ = ${formatLambda(lambda)}, seed ${runSeed}`;
      return { id: randomUUID(), name, spec: { ...base, lambda, seed: runSeed, name } };
    }),
  );
  return { spec: { base, lambdas, grid: request.lambdas, seeds, pruning: request.pruning ?? null }, runs };
}
