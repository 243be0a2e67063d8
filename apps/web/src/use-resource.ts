import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

export interface Resource<T> {
  /** The last value loaded; kept while a reload is under way or fails, so a view does not flicker. */
  data: T | undefined;
  error: ApiError | undefined;
  reload(): void;
}

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, 'client_error', error instanceof Error ? error.message : String(error));
}

export interface ResourceOptions {
  /** Load again this long after each load (what has no event stream). */
  refreshMs?: number;
}

/**
 * Loads `load()` when `key` changes and whenever `reload()` is called, and refreshes as `options`
 * say (each refresh waits for the previous load). An answer overtaken by a newer load is dropped.
 */
export function useResource<T>(key: string, load: () => Promise<T>, options: ResourceOptions = {}): Resource<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: ApiError }>({ key });
  const loadRef = useRef(load);
  loadRef.current = load;
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const data = await loadRef.current();
        if (active) setState({ key, data });
      } catch (error) {
        if (active) setState((previous) => ({ key, data: previous.key === key ? previous.data : undefined, error: asApiError(error) }));
      }
      if (active && options.refreshMs !== undefined) timer = setTimeout(run, options.refreshMs);
    };
    void run();
    return () => {
      active = false;
      clearTimeout(timer);
    };
  }, [key, generation, options.refreshMs]);

  const current = state.key === key;
  return { data: current ? state.data : undefined, error: current ? state.error : undefined, reload };
}
