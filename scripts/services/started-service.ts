/** A server this process made available: where to reach it, and how to stop it if we started it. */
export interface StartedService {
  url: string;
  /** Stops the server if this process started it; safe to call more than once. */
  stop(): Promise<void>;
}

/** A server someone else runs: stopping it is not ours to do. */
export function externalService(url: string): StartedService {
  return { url, stop: async () => {} };
}

/** Wraps a stop function so that only the first call does anything and later calls await it. */
export function stopOnce(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= stop());
}
