import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Sweep } from '@lab/contracts';
import { summarizeSweep, type SweepRunRecord } from '@lab/analysis';
import { lessonAnswer, sweepReport } from '../sweep-report.ts';

/** Final accuracies per λ (one [train, validation] pair per seed), as one-epoch runs. */
type Outcomes = Array<[lambda: number, runs: Array<[train: number, val: number]>]>;

function sweepOf(outcomes: Outcomes): Sweep {
  const lambdas = outcomes.map(([lambda]) => lambda);
  const runs: SweepRunRecord[] = outcomes.flatMap(([lambda, pairs]) =>
    pairs.map(([accuracy, valAccuracy], seed) => ({
      experimentId: randomUUID(),
      lambda,
      seed,
      status: 'completed' as const,
      epochsDone: 1,
      epochs: 1,
      history: [{ epoch: 1, loss: 0.5, accuracy, penalty: lambda * 100, valAccuracy, valCrossEntropy: 0.4 }],
    })),
  );
  const summary = summarizeSweep(lambdas, runs);
  return {
    id: randomUUID(),
    name: 'test',
    createdAt: new Date(0).toISOString(),
    spec: { base: { epochs: 1, batchSize: 1024, learningRate: 0.001, hiddenLayers: [512, 256] }, lambdas, grid: lambdas, seeds: [0, 1, 2] },
    ...summary,
  };
}

const jitter = (train: number, val: number): Array<[number, number]> => [
  [train - 0.002, val - 0.002],
  [train, val],
  [train + 0.002, val + 0.002],
];

describe('the lesson answer is worded from the numbers', () => {
  test('a gap that narrows while validation holds: λ reduces overfitting', () => {
    const answer = lessonAnswer(sweepOf([[0, jitter(0.98, 0.88)], [1e-5, jitter(0.94, 0.885)], [1e-4, jitter(0.91, 0.885)]]));
    assert.match(answer, /narrows at every step, from \+10\.0 points to \+2\.5 points/);
    assert.match(answer, /\*\*In short:\*\* a larger λ reduces overfitting here/);
    assert.match(answer, /one-standard-error rule, λ = 1e-4/);
    assert.doesNotMatch(answer, /underfits/);
  });

  test('the same gap at every λ: no measurable effect', () => {
    const answer = lessonAnswer(sweepOf([[0, jitter(0.98, 0.88)], [1e-5, jitter(0.981, 0.881)], [1e-4, jitter(0.979, 0.879)]]));
    assert.match(answer, /hardly changes/);
    assert.match(answer, /does not measurably reduce overfitting/);
  });

  test('a gap closed by fitting less: underfitting, said as such', () => {
    const answer = lessonAnswer(sweepOf([[0, jitter(0.98, 0.88)], [1e-4, jitter(0.9, 0.87)], [1e-3, jitter(0.2, 0.2)]]));
    assert.match(answer, /the network underfits/);
    assert.match(answer, /mostly by making the network fit less/);
    assert.match(answer, /Validation accuracy is highest at λ = 0/);
  });

  test('the report carries the table, the answer, the plot and what was shortened', () => {
    const report = sweepReport(sweepOf([[0, jitter(0.98, 0.88)], [1e-5, jitter(0.94, 0.885)]]), {
      command: 'npm run sweep:seed -- --epochs 1',
      date: '2026-01-01',
      wallSeconds: 60,
      workers: 2,
      backend: 'wasm',
      dataset: 'npm-package',
      shortened: '1 epoch instead of 40',
      plotFile: 'lambda-sweep.svg',
    });
    assert.match(report, /\| 1e-5 \| 3\/3 \| 94\.00 ± 0\.20 \| 88\.50 ± 0\.20 \|/);
    assert.match(report, /Shortened run:\*\* 1 epoch instead of 40/);
    assert.match(report, /!\[[^\]]*\]\(lambda-sweep\.svg\)/);
    assert.match(report, /\*\*In short:\*\*/);
  });
});
