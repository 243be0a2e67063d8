import { useState } from 'preact/hooks';
import { ApiError, postJson } from '../api.ts';
import { ErrorBanner } from './error-banner.tsx';

/** POSTs `path` (an experiment's or a sweep's cancel) and hands the API's answer to `onCancelled`. */
export function CancelButton<T>({ path, schema, onCancelled, what }: { path: string; schema: { parse(data: unknown): T }; onCancelled(value: T): void; what: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const cancel = () => {
    setBusy(true);
    postJson(path, undefined, schema)
      .then((value) => {
        setError(undefined);
        onCancelled(value);
      })
      .catch((failure: unknown) => setError(failure instanceof ApiError ? failure : new ApiError(0, 'client_error', String(failure))))
      .finally(() => setBusy(false));
  };
  return (
    <span class="cancel">
      <button type="button" class="danger" disabled={busy} onClick={cancel}>
        {busy ? 'Cancelling…' : `Cancel ${what}`}
      </button>
      <ErrorBanner error={error} />
    </span>
  );
}
