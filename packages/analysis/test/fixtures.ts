// Sweeps for the analysis tests: one-epoch runs built from final accuracies, and the committed sweep's
// rows as docs/lambda-sweep.md reports them.
import { randomUUID } from 'node:crypto';
import type { RowSummary, SweepRow, SweepRunRecord } from '@lab/contracts';
import { recommend, summarizeSweep, type SweepSummary } from '../src/index.ts';

/** Final accuracies per λ (one [train, validation] pair per seed), as one-epoch runs. */
export type Outcomes = Array<[lambda: number, runs: Array<[train: number, val: number]>]>;

/** A run as the repository reads it: trained on wasm, from `startedAt` to `finishedAt` (ms). */
export function record(fields: Partial<SweepRunRecord> & Pick<SweepRunRecord, 'lambda' | 'seed'>): SweepRunRecord {
  return {
    experimentId: randomUUID(),
    status: 'completed',
    epochsDone: 1,
    epochs: 1,
    history: [],
    pruned: null,
    backend: 'wasm',
    tfjsVersion: '4.22.0',
    dataset: { source: 'npm-package', version: 'abc123' },
    startedAt: new Date(0),
    finishedAt: new Date(60_000),
    ...fields,
  };
}

export function runsOf(outcomes: Outcomes): SweepRunRecord[] {
  return outcomes.flatMap(([lambda, pairs]) =>
    pairs.map(([accuracy, valAccuracy], seed) =>
      record({ lambda, seed, history: [{ epoch: 1, loss: 0.5, accuracy, penalty: lambda * 100, valAccuracy, valCrossEntropy: 0.4 }] }),
    ),
  );
}

export const summaryOf = (outcomes: Outcomes): SweepSummary => summarizeSweep(outcomes.map(([lambda]) => lambda), runsOf(outcomes));

/** Three seeds around a train/validation pair, 0.2 points apart. */
export const jitter = (train: number, val: number): Array<[number, number]> => [
  [train - 0.002, val - 0.002],
  [train, val],
  [train + 0.002, val + 0.002],
];

/** Mean ± sd over 3 seeds, from percentages. */
const pct = (mean: number, sd: number) => ({ mean: mean / 100, sd: sd / 100, n: 3 });
/** The report shows no spread for epochs; 0 stands in for it. */
const epoch = (mean: number) => ({ mean, sd: 0, n: 3 });

/** λ, then the table's columns: train, val, best val, best epoch, gaps, min cross-entropy, its epoch, penalty share. */
type CommittedRow = [number, [number, number], [number, number], [number, number], number, [number, number], [number, number], [number, number], number, [number, number]];

/** The committed sweep (λ ∈ {0 … 1e-3} × 3 seeds, 20 epochs, all the data), as docs/lambda-sweep.md shows it. */
const COMMITTED: CommittedRow[] = [
  [0, [93.61, 0.06], [89.39, 0.25], [89.72, 0.06], 53 / 3, [4.22, 0.3], [3.2, 0.63], [0.2975, 0.0013], 16, [0.0, 0.0]],
  [1e-6, [94.3, 0.12], [89.28, 0.14], [89.77, 0.15], 47 / 3, [5.03, 0.22], [3.54, 0.87], [0.2921, 0.0059], 35 / 3, [11.9, 0.1]],
  [1e-5, [93.37, 0.12], [88.87, 0.21], [89.25, 0.04], 47 / 3, [4.5, 0.09], [3.45, 0.7], [0.3118, 0.0055], 49 / 3, [22.4, 0.2]],
  [1e-4, [89.26, 0.41], [86.14, 0.78], [86.44, 0.52], 53 / 3, [3.12, 0.42], [2.45, 0.38], [0.4006, 0.009], 58 / 3, [26.6, 1.2]],
  [1e-3, [35.92, 4.13], [35.22, 4.53], [35.22, 4.53], 20, [0.7, 0.53], [0.7, 0.53], [1.5438, 0.0697], 20, [6.4, 0.4]],
];

export function committedSummary(): Pick<SweepSummary, 'rows' | 'recommendation'> {
  const rows: SweepRow[] = COMMITTED.map(([lambda, train, val, bestVal, bestEpoch, gapEnd, gapBest, crossEntropy, crossEntropyEpoch, share]) => {
    const summary: RowSummary = {
      epochs: epoch(20),
      finalTrainAccuracy: pct(...train),
      finalValAccuracy: pct(...val),
      bestValAccuracy: pct(...bestVal),
      bestEpoch: epoch(bestEpoch),
      gapAtEnd: pct(...gapEnd),
      gapAtBest: pct(...gapBest),
      minValCrossEntropy: { mean: crossEntropy[0], sd: crossEntropy[1], n: 3 },
      minValCrossEntropyEpoch: epoch(crossEntropyEpoch),
      penaltyShare: pct(...share),
    };
    const runs = [1, 2, 3].map((seed) => ({ experimentId: randomUUID(), seed, status: 'completed' as const, progress: { epoch: 20, epochs: 20 }, stats: null, pruned: null }));
    return { lambda, partial: false, runs, summary };
  });
  return { rows, recommendation: recommend(rows) };
}
