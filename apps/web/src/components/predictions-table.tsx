import { useState } from 'preact/hooks';
import { CLASS_NAMES, storedPredictionsResponseSchema } from '@lab/contracts';
import { getJson } from '../api.ts';
import { percent } from '../format.ts';
import { useResource } from '../use-resource.ts';
import { ErrorBanner } from './error-banner.tsx';

const PAGE = 50;

const className = (index: number): string => CLASS_NAMES[index] ?? String(index);

/** The test-set predictions the worker stored with the model, a page at a time. */
export function PredictionsTable({ experimentId }: { experimentId: string }) {
  const [offset, setOffset] = useState(0);
  const path = `/v1/experiments/${encodeURIComponent(experimentId)}/predictions?offset=${offset}&limit=${PAGE}`;
  const page = useResource(path, () => getJson(path, storedPredictionsResponseSchema));
  const data = page.data;
  return (
    <div class="predictions">
      <ErrorBanner error={page.error} />
      {data !== undefined && (
        <>
          <p>
            Test images {data.total === 0 ? 0 : data.offset + 1}–{data.offset + data.items.length} of {data.total}{' '}
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              previous
            </button>{' '}
            <button type="button" disabled={offset + PAGE >= data.total} onClick={() => setOffset(offset + PAGE)}>
              next
            </button>
          </p>
          <table data-rows={data.items.length}>
            <thead>
              <tr>
                <th scope="col">image</th>
                <th scope="col">true class</th>
                <th scope="col">predicted</th>
                <th scope="col">confidence</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((item) => (
                <tr key={item.index} class={item.trueClass === item.predictedClass ? 'correct' : 'wrong'}>
                  <td>{item.index}</td>
                  <td>{className(item.trueClass)}</td>
                  <td>
                    {item.trueClass === item.predictedClass ? '✓ ' : '✗ '}
                    {className(item.predictedClass)}
                  </td>
                  <td>{percent(item.confidence)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
