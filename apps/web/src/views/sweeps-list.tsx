import { formatLambda, sweepListSchema } from '@lab/contracts';
import { getJson } from '../api.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { dateTime } from '../format.ts';
import { href } from '../route.ts';
import { useResource } from '../use-resource.ts';

const PATH = '/v1/sweeps?limit=100';
const REFRESH_MS = 2000;

export function SweepsList() {
  const list = useResource(PATH, () => getJson(PATH, sweepListSchema), { refreshMs: REFRESH_MS });
  return (
    <section>
      <h2>
        Sweeps <a class="button" href={href({ view: 'new-sweep' })}>New sweep</a>
      </h2>
      <ErrorBanner error={list.error} />
      {list.data !== undefined && list.data.items.length === 0 && <p>No sweeps yet.</p>}
      {list.data !== undefined && list.data.items.length > 0 && (
        <table class="list" id="sweeps">
          <thead>
            <tr>
              <th scope="col">name</th>
              <th scope="col">status</th>
              <th scope="col">runs</th>
              <th scope="col">λ values</th>
              <th scope="col">seeds</th>
              <th scope="col">submitted</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((sweep) => (
              <tr key={sweep.id} data-id={sweep.id}>
                <td>
                  <a href={href({ view: 'sweep', id: sweep.id })}>{sweep.name ?? sweep.id.slice(0, 8)}</a>
                </td>
                <td>
                  <StatusBadge status={sweep.status} />
                </td>
                <td>
                  <ProgressBar done={sweep.progress.done} total={sweep.progress.total} unit="runs" />
                </td>
                <td>{sweep.spec.lambdas.map(formatLambda).join(', ')}</td>
                <td>{sweep.spec.seeds.join(', ')}</td>
                <td>{dateTime(sweep.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
