import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Sweep, SweepSpec } from '@lab/contracts';
import { sweepAnswer, sweepReportContext, sweepReportMarkdown, type SweepReportContext, type SweepSummary } from '../src/index.ts';
import { committedSummary, jitter, record, summaryOf } from './fixtures.ts';

const minutes = (value: number) => new Date(Date.UTC(2026, 10, 26, 9, 0) + value * 60_000);

const context: SweepReportContext = {
  backends: [{ backend: 'wasm', tfjsVersion: '4.22.0' }],
  datasets: [{ source: 'npm-package', version: 'abc123' }],
  firstStartedAt: minutes(0),
  lastFinishedAt: minutes(37.2),
  maxConcurrentRuns: 2,
};

function sweepOf(summary: Pick<SweepSummary, 'rows' | 'recommendation'>, base: Partial<SweepSpec['base']> = {}): Sweep {
  const lambdas = summary.rows.map((row) => row.lambda);
  const statuses = summary.rows.flatMap((row) => row.runs.map((run) => run.status));
  return {
    id: randomUUID(),
    name: 'test',
    createdAt: new Date(0).toISOString(),
    status: 'completed',
    progress: { done: statuses.length, total: statuses.length, byStatus: { queued: 0, running: 0, completed: statuses.length, failed: 0, cancelled: 0, pruned: 0 } },
    spec: { base: { epochs: 40, batchSize: 1024, learningRate: 0.001, hiddenLayers: [512, 256], ...base }, lambdas, grid: lambdas, seeds: [1, 2, 3], pruning: null },
    rows: summary.rows,
    recommendation: summary.recommendation,
    answer: sweepAnswer(summary),
  };
}

describe('sweepReportMarkdown', () => {
  const sweep = sweepOf(summaryOf([[0, jitter(0.98, 0.88)], [1e-5, jitter(0.94, 0.885)]]), { epochs: 1, trainLimit: 500 });
  const report = sweepReportMarkdown(sweep, context, { plotHref: 'plot.svg' });

  test('carries the answer as the API words it, the table, the context and the plot link', () => {
    assert.ok(sweep.answer);
    assert.ok(report.includes(`## The answer\n\n${sweep.answer.text}\n\n**In short:** ${sweep.answer.inShort}\n`));
    assert.match(report, /\| 1e-5 \| 3\/3 \| 94\.00 ± 0\.20 \| 88\.50 ± 0\.20 \|/);
    assert.match(report, /\| backend \| wasm \(tfjs 4\.22\.0\) \|/);
    assert.match(report, /\| dataset \| npm-package, version `abc123` \|/);
    assert.match(report, /\| wall time \| 37\.2 min, from the first start \(2026-11-26 09:00 UTC\) to the last finish \(2026-11-26 09:37 UTC\) \|/);
    assert.match(report, /\| runs at once \| at most 2 \|/);
    assert.match(report, /Recommendation: best final validation accuracy at λ = 1e-5; one-standard-error choice λ = 1e-5\./);
    assert.match(report, /!\[[^\]]*\]\(plot\.svg\)\n$/);
    assert.match(sweepReportMarkdown(sweep, context, { plotHref: 'lambda-sweep.svg' }), /!\[[^\]]*\]\(lambda-sweep\.svg\)\n$/);
  });

  test('says how the setting falls short of the lesson’s, from the spec', () => {
    assert.match(report, /\*\*Shortened run:\*\* 1 epoch instead of 40, the first 500 training images only\. /);
    const full = sweepReportMarkdown(sweepOf(committedSummary()), context, { plotHref: 'plot.svg' });
    assert.doesNotMatch(full, /Shortened run/);
    const all = sweepReportMarkdown(sweepOf(committedSummary(), { epochs: 20, trainLimit: 60_000, testLimit: 10_000 }), context, { plotHref: 'p.svg' });
    assert.match(all, /\*\*Shortened run:\*\* 20 epochs instead of 40\. /, 'limits that take every image shorten nothing');
  });

  test('re-renders the committed sweep’s table as committed', () => {
    const full = sweepReportMarkdown(sweepOf(committedSummary(), { epochs: 20 }), context, { plotHref: 'lambda-sweep.svg' });
    for (const line of [
      '| 0 | 3/3 | 93.61 ± 0.06 | 89.39 ± 0.25 | 89.72 ± 0.06 | 17.7 | 4.22 ± 0.30 | 3.20 ± 0.63 | 0.2975 ± 0.0013 | 16 | 0.0 % ± 0.0 % |',
      '| 1e-6 | 3/3 | 94.30 ± 0.12 | 89.28 ± 0.14 | 89.77 ± 0.15 | 15.7 | 5.03 ± 0.22 | 3.54 ± 0.87 | 0.2921 ± 0.0059 | 11.7 | 11.9 % ± 0.1 % |',
      '| 1e-3 | 3/3 | 35.92 ± 4.13 | 35.22 ± 4.53 | 35.22 ± 4.53 | 20 | 0.70 ± 0.53 | 0.70 ± 0.53 | 1.5438 ± 0.0697 | 20 | 6.4 % ± 0.4 % |',
      'Recommendation: best final validation accuracy at λ = 0; one-standard-error choice λ = 1e-6.',
    ]) {
      assert.ok(full.includes(`\n${line}\n`), line);
    }
  });

  test('a sweep without results yet: no answer, empty rows, nothing measured', () => {
    const waiting = summaryOf([[0, []], [1e-4, []]]);
    const empty = sweepReportMarkdown(sweepOf(waiting), sweepReportContext([]), { plotHref: 'plot.svg' });
    assert.match(empty, /## The answer\n\nToo few λ values have results to compare yet\.\n/);
    assert.match(empty, /\| 0 \| 0\/0 \| — \|/);
    assert.match(empty, /\| backend \| — \(no run has started\) \|/);
    assert.match(empty, /\| wall time \| — \(no run has started\) \|/);
    assert.match(empty, /Recommendation: none/);
  });
});

describe('sweepReportContext: how the runs trained, from what they stored', () => {
  test('distinct backends and datasets; the first start, the last finish and the most runs at once', () => {
    const result = sweepReportContext([
      record({ lambda: 0, seed: 1, startedAt: minutes(0), finishedAt: minutes(10) }),
      record({ lambda: 0, seed: 2, startedAt: minutes(5), finishedAt: minutes(15) }),
      // Starts as the first one finishes: its slot, not a third one.
      record({ lambda: 1e-5, seed: 1, startedAt: minutes(10), finishedAt: minutes(20), backend: 'tensorflow', tfjsVersion: '4.22.0' }),
      // Cancelled before it started: no training time, no backend yet.
      record({ lambda: 1e-5, seed: 2, status: 'cancelled', startedAt: null, finishedAt: minutes(30), backend: null, tfjsVersion: null, dataset: null }),
    ]);
    assert.deepEqual(result, {
      backends: [
        { backend: 'wasm', tfjsVersion: '4.22.0' },
        { backend: 'tensorflow', tfjsVersion: '4.22.0' },
      ],
      datasets: [{ source: 'npm-package', version: 'abc123' }],
      firstStartedAt: minutes(0),
      lastFinishedAt: minutes(20),
      maxConcurrentRuns: 2,
    });
  });

  test('a run still training counts as training; nothing started, nothing measured', () => {
    const running = sweepReportContext([
      record({ lambda: 0, seed: 1, status: 'running', startedAt: minutes(0), finishedAt: null }),
      record({ lambda: 0, seed: 2, startedAt: minutes(1), finishedAt: minutes(2) }),
      record({ lambda: 0, seed: 3, startedAt: minutes(3), finishedAt: minutes(4) }),
    ]);
    assert.equal(running.maxConcurrentRuns, 2);
    assert.deepEqual(running.lastFinishedAt, minutes(4));
    const queued = record({ lambda: 0, seed: 1, status: 'queued', startedAt: null, finishedAt: null, backend: null, tfjsVersion: null, dataset: null });
    assert.deepEqual(sweepReportContext([queued]), {
      backends: [],
      datasets: [],
      firstStartedAt: null,
      lastFinishedAt: null,
      maxConcurrentRuns: 0,
    });
  });
});
