interface Disposable {
  dispose(): void;
}

/**
 * A small least-recently-used cache of loaded models, keyed by experiment id. It holds the loading
 * promise, so concurrent requests for one experiment load it once; a failed load is forgotten so
 * the next request tries again; an evicted model is disposed (tfjs weights live outside the JS heap).
 */
export class ModelCache<Model extends Disposable> {
  readonly #entries = new Map<string, Promise<Model>>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.#entries.size;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /**
   * Runs `use` on the model for `key`, loading it with `load` on a miss. `use` must be synchronous:
   * the eviction's dispose is chained on the same promise after this call's continuation, so a model
   * is never disposed while `use` runs.
   */
  async use<Result>(key: string, load: () => Promise<Model>, use: (model: Model) => Result): Promise<Result> {
    const model = await this.#entry(key, load);
    return use(model);
  }

  /** Disposes every cached model. */
  clear(): void {
    for (const entry of this.#entries.values()) disposeWhenLoaded(entry);
    this.#entries.clear();
  }

  #entry(key: string, load: () => Promise<Model>): Promise<Model> {
    const cached = this.#entries.get(key);
    if (cached !== undefined) {
      // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached;
    }
    const loading = load();
    this.#entries.set(key, loading);
    loading.catch(() => {
      if (this.#entries.get(key) === loading) this.#entries.delete(key);
    });
    for (const [oldestKey, oldest] of this.#entries) {
      if (this.#entries.size <= this.capacity) break;
      this.#entries.delete(oldestKey);
      disposeWhenLoaded(oldest);
    }
    return loading;
  }
}

function disposeWhenLoaded(entry: Promise<Disposable>): void {
  entry.then(
    (model) => model.dispose(),
    () => {},
  );
}
