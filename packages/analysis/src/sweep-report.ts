// The Markdown report of a sweep (what docs/lambda-sweep.md is): how it ran, the answer, the table per
// λ and the plot, all from the sweep's summary and its runs as stored.
import {
  FINISHED_STATUSES,
  formatLambda,
  MAX_TEST_EXAMPLES,
  MAX_TRAIN_EXAMPLES,
  SEED_SPEC,
  type Pruning,
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
    const pruned = row.runs.filter((run) => run.status === 'pruned').length;
    const runs = `${row.runs.filter((run) => run.status === 'completed').length}/${row.runs.length}${pruned === 0 ? '' : `, ${pruned} pruned`}`;
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

function pruningText(pruning: Pruning | null): string {
  if (pruning === null) return 'none';
  return pruning.strategy === 'median'
    ? `median rule (startupRuns ${pruning.startupRuns}, warmupEpochs ${pruning.warmupEpochs}), each λ judged on its mean over seeds`
    : `ASHA (gracePeriod ${pruning.gracePeriod}, reductionFactor ${pruning.reductionFactor}), each λ judged on its mean over seeds`;
}

/** Epochs the runs trained against the epochs they were given: what pruning saved. */
function epochsTrained(sweep: Sweep): string {
  const runs = sweep.rows.flatMap((row) => row.runs);
  const trained = runs.reduce((sum, run) => sum + run.progress.epoch, 0);
  const budget = runs.reduce((sum, run) => sum + run.progress.epochs, 0);
  return `${trained} of ${budget}${budget === 0 ? '' : ` (${((100 * trained) / budget).toFixed(1)} %)`}`;
}

/** One line per pruned run: where it was judged, on what, against what. */
function prunedRuns(sweep: Sweep): string {
  const lines = sweep.rows.flatMap((row) =>
    row.runs.flatMap((run) => {
      const why = run.pruned;
      if (why === null) return [];
      const rule = why.strategy === 'median' ? 'median rule (its best so far)' : `ASHA, rung ${why.rung}`;
      return [
        `| ${formatLambda(row.lambda)} | ${run.seed} | ${why.epoch} | ${rule} | ${pct(why.value)} (${why.seeds} seed${why.seeds === 1 ? '' : 's'}) | ${pct(why.threshold)} (${why.compared} λ value${why.compared === 1 ? '' : 's'}) |`,
      ];
    }),
  );
  if (lines.length === 0) return '';
  return `
## Pruned runs

Each was stopped as the epoch below was stored: its λ's validation accuracy (the mean over its seeds at that epoch)
fell below the threshold computed from the other λ values' runs. Pruned runs are left out of the table's figures
and of the recommendation; each keeps its checkpoint and can be resumed (\`POST /v1/experiments/:id/resume\`).

| λ | seed | epoch | rule | its λ's val. acc. | threshold (from) |
|---|---|---|---|---|---|
${lines.join('\n')}
`;
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
| pruning | ${pruningText(sweep.spec.pruning)} |
| epochs trained | ${epochsTrained(sweep)} |
${shortened.length === 0 ? '' : `\n> **Shortened run:** ${shortened.join(', ')}. The figures answer the question for this setting, not for the lesson's full ${SEED_SPEC.epochs}-epoch run.\n`}
## The answer

${answer}

## Per λ (mean ± sample standard deviation over seeds)

"End" is the last epoch; the gap is training − validation accuracy (training accuracy as Keras reports it: the
mean over the epoch's batches). The penalty share is the mean over epochs of penalty / training loss.

${table(sweep)}

Recommendation: ${recommendationText}.

![Validation accuracy and overfitting gap against λ](${options.plotHref})
${prunedRuns(sweep)}`;
}
