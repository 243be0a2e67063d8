import { useEffect, useState } from 'preact/hooks';
import { getText } from '../api.ts';
import { useResource } from '../use-resource.ts';
import { ErrorBanner } from './error-banner.tsx';

/**
 * The API's own sweep plot (validation accuracy and the gap against λ, error bars over seeds, λ = 0
 * beside the log axis), fetched through the API module and shown as an image. `version` changes when
 * the sweep has new figures, which fetches it again.
 */
export function SweepPlot({ sweepId, version }: { sweepId: string; version: string }) {
  const path = `/v1/sweeps/${encodeURIComponent(sweepId)}/plot.svg`;
  const svg = useResource(`${path}#${version}`, () => getText(path));
  const [url, setUrl] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (svg.data === undefined) return;
    const objectUrl = URL.createObjectURL(new Blob([svg.data], { type: 'image/svg+xml' }));
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [svg.data]);
  return (
    <figure class="sweep-plot">
      <ErrorBanner error={svg.error} />
      {url !== undefined && <img src={url} alt="Validation accuracy and overfitting gap against λ" />}
    </figure>
  );
}
