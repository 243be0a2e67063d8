import { useEffect, useState } from 'preact/hooks';
import { FINISHED_STATUSES, formatLambda, sweepSchema, type Recommendation, type Sweep, type SweepRow } from '@lab/contracts';
import { getJson } from '../api.ts';
import { CancelButton } from '../components/cancel-button.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { SweepPlot } from '../components/sweep-plot.tsx';
import { dateTime, decimal, percent, points, stat } from '../format.ts';
import { watchSweep } from '../live.ts';
import { href } from '../route.ts';
import { useResource } from '../use-resource.ts';

/** The sweep's figures are read again at most this often while its runs store epochs. */
const RELOAD_AFTER_MS = 500;

/** Changes whenever a run stores an epoch or changes state: what the plot is redrawn on. */
function figuresVersion(sweep: Sweep): string {
  return sweep.rows.flatMap((row) => row.runs.map((run) => `${run.status}:${run.stats?.epochs ?? 0}`)).join(',');
}

function RecommendationText({ recommendation }: { recommendation: Recommendation }) {
  const { best, oneStandardError } = recommendation;
  return (
    <p class="recommendation">
      Best λ by final validation accuracy: <strong>{formatLambda(best.lambda)}</strong> ({stat(best.valAccuracy, percent)}).{' '}
      {oneStandardError === null
        ? 'The one-standard-error choice needs two or more seeds at the best λ.'
        : `Largest λ within one standard error (${points(oneStandardError.standardError)}) of the best: ${formatLambda(oneStandardError.lambda)} (${stat(oneStandardError.valAccuracy, percent)}).`}
      {recommendation.partial && ' Runs are still going: this may change.'}
    </p>
  );
}

function Row({ row }: { row: SweepRow }) {
  const summary = row.summary;
  const completed = row.runs.filter((run) => run.status === 'completed').length;
  const cells: string[] =
    summary === null
      ? Array<string>(7).fill('')
      : [
          stat(summary.finalValAccuracy, percent),
          stat(summary.bestValAccuracy, percent),
          stat(summary.finalTrainAccuracy, percent),
          stat(summary.gapAtEnd, points),
          stat(summary.gapAtBest, points),
          stat(summary.minValCrossEntropy, decimal),
          stat(summary.penaltyShare, percent),
        ];
  return (
    <tr data-lambda={row.lambda} class={row.partial ? 'partial' : undefined}>
      <th scope="row">{formatLambda(row.lambda)}</th>
      <td>
        {completed} / {row.runs.length}
        {row.partial && ' (partial)'}
      </td>
      {cells.map((cell, index) => (
        <td key={index}>{cell}</td>
      ))}
      <td class="runs">
        {row.runs.map((run) => (
          <a key={run.experimentId} href={href({ view: 'experiment', id: run.experimentId })} class={`run status-${run.status}`} title={run.status}>
            seed {run.seed}: {run.progress.epoch}/{run.progress.epochs}
          </a>
        ))}
      </td>
    </tr>
  );
}

/** A sweep: progress, its answer to the lesson's question, the plot against λ, and the per-λ table. */
export function SweepView({ id }: { id: string }) {
  const path = `/v1/sweeps/${encodeURIComponent(id)}`;
  const sweep = useResource(path, () => getJson(path, sweepSchema));
  const [connected, setConnected] = useState(true);
  const { reload } = sweep;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = watchSweep(id, {
      // A burst of events (the replay, several runs at once) costs one read of the summary.
      onChange: () => {
        timer ??= setTimeout(() => {
          timer = undefined;
          reload();
        }, RELOAD_AFTER_MS);
      },
      onConnection: setConnected,
    });
    return () => {
      stop();
      clearTimeout(timer);
    };
  }, [id, reload]);
  const data = sweep.data;
  if (data === undefined) return <ErrorBanner error={sweep.error} />;
  const finished = FINISHED_STATUSES.includes(data.status);
  return (
    <section class="sweep" data-id={id}>
      <h2>{data.name ?? `Sweep ${id.slice(0, 8)}`}</h2>
      <p class="state">
        <StatusBadge status={data.status} /> <ProgressBar done={data.progress.done} total={data.progress.total} unit="runs" />{' '}
        {!connected && <span class="reconnecting">reconnecting…</span>}
        {!finished && <CancelButton path={`${path}/cancel`} schema={sweepSchema} what="sweep" onCancelled={reload} />}
      </p>
      <ErrorBanner error={sweep.error} />
      <p class="hint">
        λ ∈ {'{'}
        {data.spec.lambdas.map(formatLambda).join(', ')}
        {'}'} × seeds {data.spec.seeds.join(', ')}; every run: {data.spec.base.epochs} epochs, batch {data.spec.base.batchSize}, hidden{' '}
        {data.spec.base.hiddenLayers.join(' → ')}. Submitted {dateTime(data.createdAt)}.
      </p>
      {data.answer !== null && (
        <div class="answer" id="answer">
          <h3>How does λ change overfitting?</h3>
          <p>{data.answer.text}</p>
          <p>
            <strong>In short:</strong> {data.answer.inShort}
          </p>
        </div>
      )}
      {data.recommendation !== null && <RecommendationText recommendation={data.recommendation} />}
      <SweepPlot sweepId={id} version={figuresVersion(data)} />
      <table class="sweep-table" id="sweep-table">
        <caption>One row per λ: mean ± standard deviation over its seeds</caption>
        <thead>
          <tr>
            <th scope="col">λ</th>
            <th scope="col">runs done</th>
            <th scope="col">final val accuracy</th>
            <th scope="col">best val accuracy</th>
            <th scope="col">final train accuracy</th>
            <th scope="col">gap at end</th>
            <th scope="col">gap at best epoch</th>
            <th scope="col">min val cross-entropy</th>
            <th scope="col">penalty share of loss</th>
            <th scope="col">runs</th>
          </tr>
        </thead>
        <tbody>
          {data.rows.map((row) => (
            <Row key={row.lambda} row={row} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
