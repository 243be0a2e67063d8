import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { standsOut, sweepAnswer } from '../src/index.ts';
import { committedSummary, jitter, summaryOf } from './fixtures.ts';

const answerOf = (...args: Parameters<typeof summaryOf>) => {
  const answer = summaryOf(...args).answer;
  assert.ok(answer, 'two λ values with results have an answer');
  return answer;
};

describe('standsOut: a difference against seed-to-seed noise', () => {
  test('twice the standard error of the difference is the bar', () => {
    const a = { mean: 0.9, sd: 0.01, n: 4 };
    // 2·√(0.01²/4 + 0.01²/4) ≈ 0.01414
    assert.equal(standsOut(0.014, a, a), false);
    assert.equal(standsOut(-0.015, a, a), true);
  });

  test('without a spread on either side, a point is the bar', () => {
    const single = { mean: 0.9, sd: null, n: 1 };
    assert.equal(standsOut(0.0099, single, { mean: 0.9, sd: 0.001, n: 3 }), false);
    assert.equal(standsOut(0.0101, single, single), true);
  });
});

describe('the answer is judged and worded from the numbers', () => {
  const narrowing = answerOf([[0, jitter(0.98, 0.88)], [1e-5, jitter(0.94, 0.885)], [1e-4, jitter(0.91, 0.885)]]);
  // The same sweep, validation accuracies as before, but training accuracy stays 10 points above.
  const flat = answerOf([[0, jitter(0.98, 0.88)], [1e-5, jitter(0.985, 0.885)], [1e-4, jitter(0.984, 0.884)]]);

  test('a gap that narrows while validation holds: λ reduces overfitting', () => {
    assert.deepEqual(narrowing.gap.trend, 'narrows');
    assert.equal(narrowing.gap.standsOut, true);
    assert.equal(narrowing.gap.monotone, true);
    assert.ok(Math.abs(narrowing.gap.change - (0.025 - 0.1)) < 1e-12);
    assert.deepEqual([narrowing.smallest.lambda, narrowing.largest.lambda], [0, 1e-4]);
    assert.equal(narrowing.underfits, false);
    assert.equal(narrowing.largestFallsBelowBest, false);
    assert.equal(narrowing.oneStandardError?.lambda, 1e-4);
    assert.equal(narrowing.verdict, 'reduces_overfitting');
    assert.match(narrowing.text, /narrows at every step, from \+10\.0 points to \+2\.5 points/);
    assert.match(narrowing.text, /one-standard-error rule, λ = 1e-4/);
    assert.doesNotMatch(narrowing.text, /underfits/);
    assert.match(narrowing.inShort, /^a larger λ reduces overfitting here: the gap narrows from \+10\.0 points to \+2\.5 points while validation accuracy holds\./);
  });

  test('the same sweep with a flat gap: no measurable effect, said differently', () => {
    assert.equal(flat.gap.trend, 'flat');
    assert.equal(flat.gap.standsOut, false);
    assert.equal(flat.gap.monotone, null);
    assert.equal(flat.verdict, 'no_measurable_reduction');
    assert.notEqual(flat.verdict, narrowing.verdict);
    assert.match(flat.text, /hardly changes, from \+10\.0 points to \+10\.0 points: within the noise/);
    assert.match(flat.inShort, /^over the λ values tried, the penalty does not measurably reduce overfitting\./);
    assert.notEqual(flat.text, narrowing.text);
  });

  test('a gap that grows, step by step or not', () => {
    const widening = answerOf([[0, jitter(0.9, 0.88)], [1e-5, jitter(0.96, 0.88)], [1e-4, jitter(0.94, 0.88)]]);
    assert.equal(widening.gap.trend, 'widens');
    assert.equal(widening.gap.monotone, false);
    assert.equal(widening.verdict, 'no_measurable_reduction');
    assert.match(widening.text, /widens overall, though not at every step, from \+2\.0 points to \+6\.0 points/);
  });

  test('a gap closed by fitting less: underfitting, said as such', () => {
    const answer = answerOf([[0, jitter(0.98, 0.88)], [1e-4, jitter(0.9, 0.87)], [1e-3, jitter(0.2, 0.2)]]);
    assert.equal(answer.underfits, true);
    assert.equal(answer.largestFallsBelowBest, true);
    assert.equal(answer.verdict, 'narrows_by_underfitting');
    assert.equal(answer.best.lambda, 0);
    assert.equal(answer.best.gainStandsOut, false);
    assert.match(answer.text, /the network underfits: training accuracy 20\.0 %, validation accuracy 20\.0 % \(68\.0 points below the best\)/);
    assert.match(answer.inShort, /mostly by making the network fit less/);
    assert.match(answer.text, /Validation accuracy is highest at λ = 0 \(88\.0 %\): no larger λ improves it/);
  });

  test('a best λ above the smallest is named, and its gain judged against the noise', () => {
    const clear = answerOf([[0, jitter(0.98, 0.86)], [1e-5, jitter(0.93, 0.89)], [1e-4, jitter(0.9, 0.885)]]);
    assert.deepEqual([clear.best.lambda, clear.best.gainStandsOut], [1e-5, true]);
    assert.match(clear.text, /highest at λ = 1e-5 \(89\.0 %\), 3\.0 points above λ = 0\./);
    assert.match(clear.inShort, / The best validation accuracy comes at λ = 1e-5\.$/);
    const slight = answerOf([[0, jitter(0.98, 0.88)], [1e-5, jitter(0.93, 0.881)], [1e-4, jitter(0.9, 0.875)]]);
    assert.deepEqual([slight.best.lambda, slight.best.gainStandsOut], [1e-5, false]);
    assert.match(slight.text, /0\.1 points above λ = 0 — a difference within the noise\./);
    assert.doesNotMatch(slight.inShort, /The best validation accuracy comes at/);
  });

  test('one run per λ: no spread, a point is the bar, no one-standard-error choice', () => {
    const answer = answerOf([[0, [[0.98, 0.88]]], [1e-4, [[0.975, 0.875]]]]);
    assert.equal(answer.gap.trend, 'flat', 'the same 10-point gap');
    assert.equal(answer.oneStandardError, null);
    assert.equal(answer.smallest.runs, 1);
    assert.doesNotMatch(answer.text, /means over seeds/);
    assert.match(answer.text, /With one run per λ there is no seed-to-seed spread/);
  });

  test('null while fewer than two λ values have results', () => {
    assert.equal(summaryOf([[0, jitter(0.98, 0.88)], [1e-4, []]]).answer, null);
    assert.equal(summaryOf([[0, []], [1e-4, []]]).answer, null);
  });

  test('the committed sweep’s figures give the committed wording', () => {
    const answer = sweepAnswer(committedSummary());
    assert.ok(answer);
    assert.equal(
      answer.text,
      'With λ = 0, training accuracy ends 4.2 points above validation accuracy (93.6 % vs 89.4 %); validation accuracy peaked at epoch 17.7 ' +
        'and the validation cross-entropy bottomed out at epoch 16 (means over seeds). As λ grows to 1e-3, the gap (training − validation) ' +
        'narrows overall, though not at every step, from +4.2 points to +0.7 points. Validation accuracy is highest at λ = 0 (89.4 %): no ' +
        'larger λ improves it. At λ = 1e-3 the activation penalty makes up 6.4 % of the training loss, and the network underfits: training ' +
        'accuracy 35.9 %, validation accuracy 35.2 % (54.2 points below the best). By the one-standard-error rule, λ = 1e-6 is the largest λ ' +
        'whose validation accuracy is within one standard error (0.1 points) of the best.',
    );
    assert.equal(
      answer.inShort,
      'a larger λ narrows the gap (from +4.2 points to +0.7 points), but mostly by making the network fit less — training and validation ' +
        'accuracy both fall — rather than by generalising better.',
    );
    assert.equal(answer.verdict, 'narrows_by_underfitting');
    assert.deepEqual(answer.gap.trend, 'narrows');
    assert.equal(answer.gap.monotone, false, '1e-6 widens the gap before larger λ values narrow it');
  });
});
