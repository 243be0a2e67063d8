import type { ApiError } from '../api.ts';

/** What went wrong, in the API's words: a view never goes blank because a request failed. */
export function ErrorBanner({ error }: { error: ApiError | undefined }) {
  if (error === undefined) return null;
  return (
    <p class="error-banner" role="alert" data-code={error.code}>
      {error.status === 0 ? error.message : `${error.message} (${error.status} ${error.code})`}
      {error.status === 401 && ' — enter an API key at the top right of the page.'}
    </p>
  );
}
