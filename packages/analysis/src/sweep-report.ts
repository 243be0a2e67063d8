// The Markdown report of a sweep (what docs/lambda-sweep.md is): how it ran, the answer, the table per
// λ and the plot, all from the sweep's summary and its runs as stored.
import {
  FINISHED_STATUSES,
  formatLambda,
  MAX_TEST_EXAMPLES,
  MAX_TRAIN_EXAMPLES,
  SEED_SPEC,
  type Stat,
  type Sweep,
  type SweepSpec,
} from '@lab/contracts';
import type { SweepReportContext } from './report-context.ts';
import { epochOf, lambdaText, pct } from './report-format.ts';

function cell(value: Stat, format: (value: number) => string): string {
  return value.sd === null ? format(value.mean) : `${format(value.mean)} ± ${format(value.sd)}`;
}
const accuracy = (value: number) => (value * 100).toFixed(2);

function table(sweep: Sweep): string {
  const header =
    '| λ | runs | train acc. (end), % | val. acc. (end), % | best val. acc., % | best epoch | gap at end, points | gap at best epoch, points | min val. cross-entropy | its epoch | penalty share of the loss |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|';
  const rows = sweep.rows.map((row) => {
    const runs = `${row.runs.filter((run) => run.status === 'completed').length}/${row.runs.length}`;
    const s = row.summary;
    if (s === null) return `| ${formatLambda(row.lambda)} | ${runs} | — | — | — | — | — | — | — | — | — |`;
    return `| ${formatLambda(row.lambda)} | ${runs} | ${cell(s.finalTrainAccuracy, accuracy)} | ${cell(s.finalValAccuracy, accuracy)} | ${cell(s.bestValAccuracy, accuracy)} | ${epochOf(s.bestEpoch.mean)} | ${cell(s.gapAtEnd, accuracy)} | ${cell(s.gapAtBest, accuracy)} | ${cell(s.minValCrossEntropy, (v) => v.toFixed(4))} | ${epochOf(s.minValCrossEntropyEpoch.mean)} | ${cell(s.penaltyShare, pct)} |`;
  });
  return [header, ...rows].join('\n');
}

/** How the sweep's setting falls short of the lesson's run (40 epochs on all the data); empty if it does not. */
function shortenedBy(base: SweepSpec['base']): string[] {
  return [
    base.epochs < SEED_SPEC.epochs && `${base.epochs} epoch${base.epochs === 1 ? '' : 's'} instead of ${SEED_SPEC.epochs}`,
    base.trainLimit !== undefined && base.trainLimit < MAX_TRAIN_EXAMPLES && `the first ${base.trainLimit} training images only`,
    base.testLimit !== undefined && base.testLimit < MAX_TEST_EXAMPLES && `the first ${base.testLimit} test images only`,
  ].filter((reason): reason is string => typeof reason === 'string');
}

const minute = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function wallTime(context: SweepReportContext, finished: boolean): string {
  const { firstStartedAt: start, lastFinishedAt: end } = context;
  if (start === null) return '— (no run has started)';
  if (end === null) return `— (no run has finished; the first started ${minute(start)})`;
  const minutes = ((end.getTime() - start.getTime()) / 60_000).toFixed(1);
  return `${minutes} min${finished ? '' : ' so far'}, from the first start (${minute(start)}) to the last finish (${minute(end)})`;
}

/**
 * The report as Markdown. `plotHref` is where the plot is linked from: relative to the report, e.g.
 * `plot.svg` beside `GET /v1/sweeps/:id/report`, or a file written next to the document.
 */
export function sweepReportMarkdown(sweep: Sweep, context: SweepReportContext, options: { plotHref: string }): string {
  const { base, lambdas, seeds } = sweep.spec;
  const recommendation = sweep.recommendation;
  const recommendationText =
    recommendation === null
      ? 'none (no run stored an epoch)'
      : `best final validation accuracy at ${lambdaText(recommendation.best.lambda)}` +
        (recommendation.oneStandardError === null ? '' : `; one-standard-error choice ${lambdaText(recommendation.oneStandardError.lambda)}`) +
        (recommendation.partial ? ' (partial: not every run completed)' : '');
  const backends = context.backends.map(({ backend, tfjsVersion }) => (tfjsVersion === null ? backend : `${backend} (tfjs ${tfjsVersion})`));
  const datasets = context.datasets.map(({ source, version }) => `${source}, version \`${version}\``);
  const shortened = shortenedBy(base);
  const answer =
    sweep.answer === null ? 'Too few λ values have results to compare yet.' : `${sweep.answer.text}\n\n**In short:** ${sweep.answer.inShort}`;
  return `# How does λ change overfitting? A sweep through the service

λ ∈ {${lambdas.map(formatLambda).join(', ')}} × ${seeds.length} seed(s) (${seeds.join(', ')}), each run an ordinary experiment submitted with
\`POST /v1/sweeps\`, summarised by \`GET /v1/sweeps/:id\` from the stored per-epoch history and written out by
\`GET /v1/sweeps/:id/report\`. Sweep \`${sweep.id}\`, status **${sweep.status}** (${sweep.progress.done}/${sweep.progress.total} runs finished).

| | |
|---|---|
| configuration | ${base.epochs} epochs, batch ${base.batchSize}, Adam ${base.learningRate}, layers ${base.hiddenLayers.join('-')}, ${base.trainLimit ?? 'all'} training / ${base.testLimit ?? 'all'} test images |
| backend | ${backends.length === 0 ? '— (no run has started)' : backends.join('; ')} |
| dataset | ${datasets.length === 0 ? '— (no run has loaded it)' : datasets.join('; ')} |
| wall time | ${wallTime(context, FINISHED_STATUSES.includes(sweep.status))} |
| runs at once | at most ${context.maxConcurrentRuns} |
${shortened.length === 0 ? '' : `\n> **Shortened run:** ${shortened.join(', ')}. The figures answer the question for this setting, not for the lesson's full ${SEED_SPEC.epochs}-epoch run.\n`}
## The answer

${answer}

## Per λ (mean ± sample standard deviation over seeds)

"End" is the last epoch; the gap is training − validation accuracy (training accuracy as Keras reports it: the
mean over the epoch's batches). The penalty share is the mean over epochs of penalty / training loss.

${table(sweep)}

Recommendation: ${recommendationText}.

![Validation accuracy and overfitting gap against λ](${options.plotHref})
`;
}
