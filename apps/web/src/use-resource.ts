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

export interface ResourceOptions<T> {
  /** Load again this long after each load (what has no event stream). */
  refreshMs?: number;
  /** Stop refreshing once the data says so (a finished sweep). */
  until?(data: T): boolean;
}

/**
 * Loads `load()` when `key` changes and whenever `reload()` is called, and refreshes as `options`
 * say. A load never overlaps the previous one, and an answer for an old key is dropped.
 */
export function useResource<T>(key: string, load: () => Promise<T>, options: ResourceOptions<T> = {}): Resource<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: ApiError }>({ key });
  const loadRef = useRef(load);
  loadRef.current = load;
  const untilRef = useRef(options.until);
  untilRef.current = options.until;
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      let done = false;
      try {
        const data = await loadRef.current();
        if (active) setState({ key, data });
        done = untilRef.current?.(data) ?? false;
      } catch (error) {
        if (active) setState((previous) => ({ key, data: previous.key === key ? previous.data : undefined, error: asApiError(error) }));
      }
      if (active && !done && options.refreshMs !== undefined) timer = setTimeout(run, options.refreshMs);
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
