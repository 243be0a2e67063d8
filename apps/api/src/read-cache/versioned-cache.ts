import type { RunEvent } from '@lab/contracts';
import type { RunEngine, RunEventListener } from '@lab/runs';

/** What an entry's freshness is judged by: the version of the run or sweep it was read at, or a tenant's changes. */
export type CacheScope = { run: string } | { sweep: string } | { tenant: string };

interface Entry {
  value: unknown;
  /** The run's or sweep's version the value was read at (read before the value, so never newer than it). */
  version: number;
  /** Which listening session it was read in: a reconnect may have missed events, so older ones are void. */
  session: number;
}

/**
 * Read results kept in memory and trusted exactly as long as the lifecycle events say nothing changed.
 * Every engine change publishes the run's (and sweep's) new version; an entry read at an older version
 * is stale. While the event listener is not connected nothing is trusted (reads go to Postgres), and
 * a reconnect voids every entry (events may have been missed meanwhile). The changes this process
 * makes itself are heard from the engine as soon as they commit, so a request never reads back an
 * older state than the one it just wrote. A dashboard's poll of something unchanged so costs a map
 * lookup, not a query.
 */
export class VersionedCache {
  private readonly entries = new Map<string, Entry>();
  private readonly runVersions = new Map<string, number>();
  private readonly sweepVersions = new Map<string, number>();
  /** Per tenant, how many changes this process has heard of (the version of its lists). */
  private readonly tenantChanges = new Map<string, number>();
  private session = 0;
  /** Reads that went to Postgres (misses), for operators and tests. */
  private misses = 0;

  constructor(
    private readonly events: RunEventListener,
    engine: RunEngine,
    private readonly capacity: number,
  ) {
    events.on('event', (event) => this.heard(event));
    engine.on('committed', (event) => this.heard(event));
    events.on('listening', () => {
      this.session++;
      this.entries.clear();
    });
  }

  /**
   * The value for `key`, from memory when an entry is still current, else from `load` (whose result
   * carries the version it was read at; null, not found, is never kept).
   */
  async get<Value extends { version: number }>(key: string, scope: CacheScope, load: () => Promise<Value | null>): Promise<Value | null> {
    const trusted = this.events.isListening;
    const entry = trusted ? this.entries.get(key) : undefined;
    if (entry !== undefined && entry.session === this.session && entry.version >= this.currentVersion(scope)) {
      // Most recently used last: the first entry is the one to evict.
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry.value as Value;
    }
    const session = this.session;
    this.misses++;
    const value = await load();
    if (value !== null && trusted && session === this.session) this.remember(key, { value, version: value.version, session });
    return value;
  }

  /** The version a tenant's lists are at in this process, for `get` with a tenant scope. */
  tenantVersion(tenant: string): number {
    return this.tenantChanges.get(tenant) ?? 0;
  }

  /** Entries held, and reads that had to go to Postgres so far. */
  get stats(): { entries: number; misses: number } {
    return { entries: this.entries.size, misses: this.misses };
  }

  private currentVersion(scope: CacheScope): number {
    if ('run' in scope) return this.runVersions.get(scope.run) ?? 0;
    if ('sweep' in scope) return this.sweepVersions.get(scope.sweep) ?? 0;
    return this.tenantVersion(scope.tenant);
  }

  private remember(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  private heard(event: RunEvent): void {
    this.runVersions.set(event.experimentId, Math.max(event.version, this.runVersions.get(event.experimentId) ?? 0));
    if (event.sweepId !== null && event.sweepVersion !== null) {
      this.sweepVersions.set(event.sweepId, Math.max(event.sweepVersion, this.sweepVersions.get(event.sweepId) ?? 0));
    }
    this.tenantChanges.set(event.ownerId, this.tenantVersion(event.ownerId) + 1);
  }
}
