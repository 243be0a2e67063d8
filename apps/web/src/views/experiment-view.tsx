import { useEffect, useState } from 'preact/hooks';
import {
  evaluationResponseSchema,
  experimentSchema,
  FINISHED_STATUSES,
  formatLambda,
  type EpochMetrics,
  type Experiment,
  type ExperimentStreamStatus,
} from '@lab/contracts';
import { getJson } from '../api.ts';
import { CancelButton } from '../components/cancel-button.tsx';
import { ConfusionMatrix } from '../components/confusion-matrix.tsx';
import { EpochChart, type EpochSeries } from '../components/epoch-chart.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { PredictionsTable } from '../components/predictions-table.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { dateTime, decimal, percent } from '../format.ts';
import { watchExperiment } from '../live.ts';
import { useResource } from '../use-resource.ts';

const TRAIN = '#1f77b4';
const VALIDATION = '#ff7f0e';
const PENALTY = '#2ca02c';

// The lesson's two plots, then the split that shows what λ does: how much of the loss is the penalty.
const LOSS: EpochSeries[] = [
  { label: 'training loss', color: TRAIN, value: (epoch) => epoch.loss },
  { label: 'validation loss', color: VALIDATION, dashed: true, value: (epoch) => epoch.valLoss },
];
const ACCURACY: EpochSeries[] = [
  { label: 'training accuracy', color: TRAIN, value: (epoch) => epoch.accuracy },
  { label: 'validation accuracy', color: VALIDATION, dashed: true, value: (epoch) => epoch.valAccuracy },
];
const LOSS_SPLIT: EpochSeries[] = [
  { label: 'training cross-entropy', color: TRAIN, value: (epoch) => epoch.crossEntropy },
  { label: 'training penalty', color: PENALTY, value: (epoch) => epoch.penalty },
  { label: 'validation cross-entropy', color: VALIDATION, dashed: true, value: (epoch) => epoch.valCrossEntropy },
  { label: 'validation penalty', color: PENALTY, dashed: true, value: (epoch) => epoch.valPenalty },
];

function Spec({ experiment }: { experiment: Experiment }) {
  const { spec } = experiment;
  const entries: [string, string][] = [
    ['λ', formatLambda(spec.lambda)],
    ['epochs', String(spec.epochs)],
    ['batch size', String(spec.batchSize)],
    ['learning rate', String(spec.learningRate)],
    ['hidden layers', spec.hiddenLayers.join(' → ')],
    ['seed', String(spec.seed)],
    ['training images', spec.trainLimit === undefined ? 'all' : String(spec.trainLimit)],
    ['test images', spec.testLimit === undefined ? 'all' : String(spec.testLimit)],
    ['backend', experiment.backend === null ? '—' : `${experiment.backend} (tfjs ${experiment.tfjsVersion ?? '?'})`],
    ['dataset', experiment.dataset === null ? '—' : `${experiment.dataset.source} ${experiment.dataset.version.slice(0, 12)}`],
    ['submitted', dateTime(experiment.createdAt)],
  ];
  return (
    <dl class="spec">
      {entries.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function EvaluationSection({ experimentId }: { experimentId: string }) {
  const path = `/v1/experiments/${encodeURIComponent(experimentId)}/evaluation`;
  const evaluation = useResource(path, () => getJson(path, evaluationResponseSchema));
  const data = evaluation.data;
  return (
    <section id="evaluation">
      <h3>Evaluation</h3>
      <ErrorBanner error={evaluation.error} />
      {data !== undefined && (
        <>
          <table class="evaluation">
            <thead>
              <tr>
                <th scope="col" />
                <th scope="col">loss (cross-entropy + penalty)</th>
                <th scope="col">cross-entropy</th>
                <th scope="col">penalty</th>
                <th scope="col">accuracy</th>
                <th scope="col">images</th>
              </tr>
            </thead>
            <tbody>
              {(['train', 'test'] as const).map((split) => (
                <tr key={split} data-split={split}>
                  <th scope="row">{split}</th>
                  <td>{decimal(data[split].loss)}</td>
                  <td>{decimal(data[split].crossEntropy)}</td>
                  <td>{decimal(data[split].penalty)}</td>
                  <td>{percent(data[split].accuracy)}</td>
                  <td>{data[split].examples}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="hint">As Keras' evaluate, at batch size {data.evaluationBatchSize}.</p>
          <ConfusionMatrix evaluation={data} />
        </>
      )}
    </section>
  );
}

/** One run: its spec and state, the plots drawn live as epochs are stored, then its evaluation and predictions. */
export function ExperimentView({ id }: { id: string }) {
  const path = `/v1/experiments/${encodeURIComponent(id)}`;
  const experiment = useResource(path, () => getJson(path, experimentSchema));
  const [epochs, setEpochs] = useState<EpochMetrics[]>([]);
  const [live, setLive] = useState<ExperimentStreamStatus | undefined>(undefined);
  const [connected, setConnected] = useState(true);

  useEffect(() => {
    setEpochs([]);
    setLive(undefined);
    return watchExperiment(id, {
      onEpoch: (epoch) => setEpochs((previous) => [...previous, epoch]),
      onStatus: setLive,
      onConnection: setConnected,
    });
  }, [id]);

  const status = live?.status ?? experiment.data?.status;
  const finished = status !== undefined && FINISHED_STATUSES.includes(status);
  // The final results and the backend are on the experiment itself: read it again once the run ends.
  const { reload } = experiment;
  useEffect(() => {
    if (finished) reload();
  }, [finished, reload]);

  const data = experiment.data;
  if (data === undefined) return <ErrorBanner error={experiment.error} />;
  const progress = live?.progress ?? data.progress;
  const error = live?.error ?? data.error;
  return (
    <section class="experiment" data-id={id}>
      <h2>{data.name ?? `Experiment ${id.slice(0, 8)}`}</h2>
      <p class="state">
        <StatusBadge status={status ?? data.status} /> <ProgressBar done={progress.epoch} total={progress.epochs} unit="epochs" />{' '}
        {!connected && <span class="reconnecting">reconnecting…</span>}
        {!finished && (
          <CancelButton
            path={`${path}/cancel`}
            schema={experimentSchema}
            what="experiment"
            onCancelled={(value) => setLive({ experimentId: id, status: value.status, progress: value.progress, error: value.error })}
          />
        )}
      </p>
      <ErrorBanner error={experiment.error} />
      {error !== null && <p class="error-banner">Run error: {error}</p>}
      <Spec experiment={data} />
      {data.results !== null && (
        <p class="results">
          Final: training accuracy {percent(data.results.trainAccuracy)}, test accuracy {percent(data.results.testAccuracy)} (test loss{' '}
          {decimal(data.results.testLoss)}).
        </p>
      )}
      <div class="charts">
        <EpochChart title="Loss: training vs validation" yLabel="loss" series={LOSS} epochs={epochs} />
        <EpochChart title="Accuracy: training vs validation" yLabel="accuracy" series={ACCURACY} epochs={epochs} />
        <EpochChart title="Cross-entropy vs activity penalty" yLabel="loss term" series={LOSS_SPLIT} epochs={epochs} />
      </div>
      {status === 'completed' && (
        <>
          <EvaluationSection experimentId={id} />
          <section id="predictions">
            <h3>Stored predictions</h3>
            <PredictionsTable experimentId={id} />
          </section>
        </>
      )}
    </section>
  );
}
