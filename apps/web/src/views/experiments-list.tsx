import { experimentListSchema, formatLambda } from '@lab/contracts';
import { getJson } from '../api.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { dateTime, percent } from '../format.ts';
import { href } from '../route.ts';
import { useResource } from '../use-resource.ts';

const PATH = '/v1/experiments?limit=100';
/** Lists have no event stream; a poll is cheap (the API answers an unchanged list with a 304). */
const REFRESH_MS = 2000;

export function ExperimentsList() {
  const list = useResource(PATH, () => getJson(PATH, experimentListSchema), { refreshMs: REFRESH_MS });
  return (
    <section>
      <h2>
        Experiments <a class="button" href={href({ view: 'new-experiment' })}>New experiment</a>
      </h2>
      <ErrorBanner error={list.error} />
      {list.data !== undefined && list.data.items.length === 0 && <p>No experiments yet.</p>}
      {list.data !== undefined && list.data.items.length > 0 && (
        <table class="list" id="experiments">
          <thead>
            <tr>
              <th scope="col">name</th>
              <th scope="col">status</th>
              <th scope="col">progress</th>
              <th scope="col">λ</th>
              <th scope="col">train accuracy</th>
              <th scope="col">test accuracy</th>
              <th scope="col">submitted</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((experiment) => (
              <tr key={experiment.id} data-id={experiment.id}>
                <td>
                  <a href={href({ view: 'experiment', id: experiment.id })}>{experiment.name ?? experiment.id.slice(0, 8)}</a>
                </td>
                <td>
                  <StatusBadge status={experiment.status} />
                </td>
                <td>
                  <ProgressBar done={experiment.progress.epoch} total={experiment.progress.epochs} unit="epochs" />
                </td>
                <td>{formatLambda(experiment.spec.lambda)}</td>
                <td>{experiment.results === null ? '' : percent(experiment.results.trainAccuracy)}</td>
                <td>{experiment.results === null ? '' : percent(experiment.results.testAccuracy)}</td>
                <td>{dateTime(experiment.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data !== undefined && list.data.total > list.data.items.length && (
        <p class="hint">
          The newest {list.data.items.length} of {list.data.total}.
        </p>
      )}
    </section>
  );
}
