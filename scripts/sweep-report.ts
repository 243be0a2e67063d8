// docs/lambda-sweep.md from a finished sweep: the table per λ, the plot, and a plain answer to the
// lesson's question ("what is the influence of λ on eliminating overfitting?") worded from the numbers:
// every statement below is chosen by comparing figures, none is fixed in advance.
import { formatLambda, type RowSummary, type Stat, type Sweep } from '@lab/contracts';

export interface SweepReportContext {
  command: string;
  date: string;
  wallSeconds: number;
  workers: number;
  backend: string;
  dataset: string;
  /** Why this run differs from the lesson's setting (fewer epochs, less data), if it does. */
  shortened: string | null;
  plotFile: string;
}

interface Point {
  lambda: number;
  summary: RowSummary;
}

const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
const points = (value: number) => `${(Math.abs(value) * 100).toFixed(1)} points`;
const signedPoints = (value: number) => `${value < 0 ? '−' : '+'}${points(value)}`;
const lambdaText = (lambda: number) => `λ = ${formatLambda(lambda)}`;

function cell(value: Stat, format: (value: number) => string): string {
  return value.sd === null ? format(value.mean) : `${format(value.mean)} ± ${format(value.sd)}`;
}
const accuracy = (value: number) => (value * 100).toFixed(2);
/** An epoch, or the mean epoch over seeds (a whole number when the seeds agree). */
const epochOf = (value: Stat) => (Number.isInteger(value.mean) ? String(value.mean) : value.mean.toFixed(1));

/**
 * Twice the standard error of the difference between two means: a difference larger than this is
 * unlikely to be seed-to-seed noise. Null when either side has a single run (no spread measured).
 */
function noiseLevel(a: Stat, b: Stat): number | null {
  if (a.sd === null || b.sd === null) return null;
  return 2 * Math.sqrt(a.sd ** 2 / a.n + b.sd ** 2 / b.n);
}

/** Whether `difference` (b − a) stands out from the noise; with no spread measured, a point is the bar. */
const standsOut = (difference: number, a: Stat, b: Stat) => Math.abs(difference) > (noiseLevel(a, b) ?? 0.01);

function table(sweep: Sweep): string {
  const header =
    '| λ | runs | train acc. (end), % | val. acc. (end), % | best val. acc., % | best epoch | gap at end, points | gap at best epoch, points | min val. cross-entropy | its epoch | penalty share of the loss |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|';
  const rows = sweep.rows.map((row) => {
    const runs = `${row.runs.filter((run) => run.status === 'completed').length}/${row.runs.length}`;
    const s = row.summary;
    if (s === null) return `| ${formatLambda(row.lambda)} | ${runs} | — | — | — | — | — | — | — | — | — |`;
    return `| ${formatLambda(row.lambda)} | ${runs} | ${cell(s.finalTrainAccuracy, accuracy)} | ${cell(s.finalValAccuracy, accuracy)} | ${cell(s.bestValAccuracy, accuracy)} | ${epochOf(s.bestEpoch)} | ${cell(s.gapAtEnd, accuracy)} | ${cell(s.gapAtBest, accuracy)} | ${cell(s.minValCrossEntropy, (v) => v.toFixed(4))} | ${epochOf(s.minValCrossEntropyEpoch)} | ${cell(s.penaltyShare, pct)} |`;
  });
  return [header, ...rows].join('\n');
}

/** The lesson's question answered in a few sentences, each chosen by what the figures show. */
export function lessonAnswer(sweep: Sweep): string {
  const data: Point[] = sweep.rows
    .flatMap((row) => (row.summary === null ? [] : [{ lambda: row.lambda, summary: row.summary }]))
    .sort((a, b) => a.lambda - b.lambda);
  const first = data[0];
  const last = data.at(-1);
  if (first === undefined || last === undefined || data.length < 2) return 'Too few λ values have results to compare.';
  const f = first.summary;
  const l = last.summary;
  const sentences: string[] = [];

  sentences.push(
    `With ${lambdaText(first.lambda)}, training accuracy ends ${points(f.gapAtEnd.mean)} ${f.gapAtEnd.mean >= 0 ? 'above' : 'below'} ` +
      `validation accuracy (${pct(f.finalTrainAccuracy.mean)} vs ${pct(f.finalValAccuracy.mean)}); validation accuracy peaked at epoch ` +
      `${epochOf(f.bestEpoch)} and the validation cross-entropy bottomed out at epoch ${epochOf(f.minValCrossEntropyEpoch)}` +
      `${f.bestEpoch.n > 1 ? ' (means over seeds)' : ''}.`,
  );

  const gapChange = l.gapAtEnd.mean - f.gapAtEnd.mean;
  const gaps = data.map((point) => point.summary.gapAtEnd.mean);
  const gapShrinks = gapChange < 0 && standsOut(gapChange, f.gapAtEnd, l.gapAtEnd);
  const gapGrows = gapChange > 0 && standsOut(gapChange, f.gapAtEnd, l.gapAtEnd);
  const monotone = gaps.every((value, index) => index === 0 || (gapShrinks ? value <= gaps[index - 1]! : value >= gaps[index - 1]!));
  const movement = `from ${signedPoints(f.gapAtEnd.mean)} to ${signedPoints(l.gapAtEnd.mean)}`;
  sentences.push(
    gapShrinks || gapGrows
      ? `As λ grows to ${formatLambda(last.lambda)}, the gap (training − validation) ${gapShrinks ? 'narrows' : 'widens'} ` +
          `${monotone ? 'at every step' : 'overall, though not at every step'}, ${movement}.`
      : `As λ grows to ${formatLambda(last.lambda)}, the gap (training − validation) hardly changes, ${movement}: within the noise.`,
  );

  const best = data.reduce((top, point) => (point.summary.finalValAccuracy.mean > top.summary.finalValAccuracy.mean ? point : top));
  const b = best.summary;
  const bestGain = b.finalValAccuracy.mean - f.finalValAccuracy.mean;
  const gainStandsOut = best !== first && standsOut(bestGain, f.finalValAccuracy, b.finalValAccuracy);
  sentences.push(
    best === first
      ? `Validation accuracy is highest at ${lambdaText(first.lambda)} (${pct(f.finalValAccuracy.mean)}): no larger λ improves it.`
      : `Validation accuracy is highest at ${lambdaText(best.lambda)} (${pct(b.finalValAccuracy.mean)}), ${points(bestGain)} above ` +
          `${lambdaText(first.lambda)}${gainStandsOut ? '' : ' — a difference within the noise'}.`,
  );

  // Underfitting: at the largest λ both accuracies are clearly below the unregularized run's.
  const trainDrop = l.finalTrainAccuracy.mean - f.finalTrainAccuracy.mean;
  const valDropFromBest = l.finalValAccuracy.mean - b.finalValAccuracy.mean;
  const underfits =
    trainDrop < 0 && standsOut(trainDrop, f.finalTrainAccuracy, l.finalTrainAccuracy) && valDropFromBest < 0 && standsOut(valDropFromBest, b.finalValAccuracy, l.finalValAccuracy);
  sentences.push(
    `At ${lambdaText(last.lambda)} the activation penalty makes up ${pct(l.penaltyShare.mean)} of the training loss` +
      (underfits
        ? `, and the network underfits: training accuracy ${pct(l.finalTrainAccuracy.mean)}, validation accuracy ${pct(l.finalValAccuracy.mean)} ` +
          `(${points(valDropFromBest)} below the best).`
        : '.'),
  );

  const oneSe = sweep.recommendation?.oneStandardError;
  sentences.push(
    oneSe
      ? `By the one-standard-error rule, ${lambdaText(oneSe.lambda)} is the largest λ whose validation accuracy is within one standard error ` +
          `(${points(oneSe.standardError)}) of the best.`
      : 'With one run per λ there is no seed-to-seed spread to judge small differences by; a point or less is treated as noise.',
  );

  let verdict: string;
  if (gapShrinks && !underfits) {
    verdict = `a larger λ reduces overfitting here: the gap narrows ${movement} while validation accuracy ${valDropFromBest < 0 && standsOut(valDropFromBest, b.finalValAccuracy, l.finalValAccuracy) ? 'falls somewhat' : 'holds'}.`;
  } else if (gapShrinks) {
    verdict = `a larger λ narrows the gap (${movement}), but mostly by making the network fit less — training and validation accuracy both fall — rather than by generalising better.`;
  } else {
    verdict = `over the λ values tried, the penalty does not measurably reduce overfitting${underfits ? `; the largest λ only makes the network underfit` : ''}.`;
  }
  if (gainStandsOut) verdict += ` The best validation accuracy comes at ${lambdaText(best.lambda)}.`;
  return `${sentences.join(' ')}\n\n**In short:** ${verdict}`;
}

export function sweepReport(sweep: Sweep, context: SweepReportContext): string {
  const { base, lambdas, seeds } = sweep.spec;
  const recommendation = sweep.recommendation;
  const recommendationText =
    recommendation === null
      ? 'none (no run stored an epoch)'
      : `best final validation accuracy at ${lambdaText(recommendation.best.lambda)}` +
        (recommendation.oneStandardError === null ? '' : `; one-standard-error choice ${lambdaText(recommendation.oneStandardError.lambda)}`) +
        (recommendation.partial ? ' (partial: not every run completed)' : '');
  return `# How does λ change overfitting? A sweep through the service

Generated by \`${context.command}\` on ${context.date}: λ ∈ {${lambdas.map(formatLambda).join(', ')}} × ${seeds.length} seed(s) (${seeds.join(', ')}),
each run an ordinary experiment submitted with \`POST /v1/sweeps\`, trained by ${context.workers} worker process(es), and summarised by
\`GET /v1/sweeps/:id\` from the stored per-epoch history. Sweep \`${sweep.id}\`, status **${sweep.status}** (${sweep.progress.done}/${sweep.progress.total} runs finished).

| | |
|---|---|
| configuration | ${base.epochs} epochs, batch ${base.batchSize}, Adam ${base.learningRate}, layers ${base.hiddenLayers.join('-')}, ${base.trainLimit ?? 'all'} training / ${base.testLimit ?? 'all'} test images |
| backend | ${context.backend} |
| dataset | ${context.dataset} |
| wall time | ${(context.wallSeconds / 60).toFixed(1)} min |
${context.shortened === null ? '' : `\n> **Shortened run:** ${context.shortened}. The figures answer the question for this setting, not for the lesson's full 40-epoch run.\n`}
## The answer

${lessonAnswer(sweep)}

## Per λ (mean ± sample standard deviation over seeds)

"End" is the last epoch; the gap is training − validation accuracy (training accuracy as Keras reports it: the
mean over the epoch's batches). The penalty share is the mean over epochs of penalty / training loss.

${table(sweep)}

Recommendation: ${recommendationText}.

![Validation accuracy and overfitting gap against λ](${context.plotFile})
`;
}
