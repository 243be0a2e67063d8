import { createHash } from 'node:crypto';
import {
  epochMetricsSchema,
  experimentSchema,
  sweepSchema,
  type Experiment,
  type Sweep,
  type SweepRunRecord,
} from '@lab/contracts';
import type { ExperimentReads, StoredSweep, SweepReads } from '@lab/db';
import { describeSweep } from '../sweep-view.ts';
import type { VersionedCache } from './versioned-cache.ts';

export interface CachedExperiment {
  experiment: Experiment;
  version: number;
  /** The response body, serialized once per version. */
  json: string;
}

export interface CachedHistory {
  version: number;
  /** One JSON text per stored epoch, in epoch order, and the epoch numbers beside them. */
  epochs: string[];
  epochNumbers: number[];
}

export interface CachedSweep {
  stored: StoredSweep;
  version: number;
  sweep: Sweep;
  json: string;
  runs: SweepRunRecord[];
}

/**
 * The reads dashboards poll, cached by version (see VersionedCache): each is read from Postgres and
 * serialized (and validated against its response schema) once per change of what it shows.
 * Keys carry the tenant: another tenant's id is read (and not found) as if nothing were cached.
 */
export class CachedReads {
  constructor(
    private readonly cache: VersionedCache,
    private readonly reads: { experiments: ExperimentReads; sweeps: SweepReads },
  ) {}

  get stats(): { entries: number; misses: number } {
    return this.cache.stats;
  }

  experiment(ownerId: string, id: string): Promise<CachedExperiment | null> {
    return this.cache.get(`${ownerId}/experiment/${id}`, { run: id }, async () => {
      const found = await this.reads.experiments.find(ownerId, id);
      if (found === null) return null;
      return { ...found, json: JSON.stringify(experimentSchema.parse(found.experiment)) };
    });
  }

  /** The run's whole history; callers slice it by cursor. `version` is the run's, read before the epochs. */
  async history(ownerId: string, id: string, version: number): Promise<CachedHistory> {
    const history = await this.derived(ownerId, id, 'history', version, async () => {
      const epochs = await this.reads.experiments.history(ownerId, id);
      return { epochs: epochs.map((epoch) => JSON.stringify(epochMetricsSchema.parse(epoch))), epochNumbers: epochs.map((epoch) => epoch.epoch) };
    });
    return { version, ...history };
  }

  /**
   * Something computed from a run's stored data (its evaluation, a page of predictions, a plot), kept
   * while the run stays at `version` (the version it was read at before computing). `kind` names it.
   */
  async derived<Value>(ownerId: string, id: string, kind: string, version: number, compute: () => Promise<Value>): Promise<Value> {
    const entry = await this.cache.get(`${ownerId}/${kind}/${id}`, { run: id }, async () => ({ version, value: await compute() }));
    return entry!.value;
  }

  sweep(ownerId: string, id: string): Promise<CachedSweep | null> {
    return this.cache.get(`${ownerId}/sweep/${id}`, { sweep: id }, async () => {
      const stored = await this.reads.sweeps.get(ownerId, id);
      if (stored === null) return null;
      const runs = await this.reads.sweeps.runs(ownerId, id);
      const sweep = describeSweep(stored, runs);
      return { stored, version: stored.version, sweep, json: JSON.stringify(sweepSchema.parse(sweep)), runs };
    });
  }

  /** Something of a sweep's (its plot, its report) kept while the sweep stays at `version`. */
  async derivedOfSweep<Value>(ownerId: string, id: string, kind: string, version: number, compute: () => Promise<Value>): Promise<Value> {
    const entry = await this.cache.get(`${ownerId}/${kind}/${id}`, { sweep: id }, async () => ({ version, value: await compute() }));
    return entry!.value;
  }

  /**
   * A page of the tenant's experiments or sweeps, kept until this process hears of any change of
   * theirs; its ETag is a hash of the body (a list has no version of its own).
   */
  async list(ownerId: string, query: string, render: () => Promise<string>): Promise<{ etag: string; json: string }> {
    const version = this.cache.tenantVersion(ownerId);
    const entry = await this.cache.get(`${ownerId}/list/${query}`, { tenant: ownerId }, async () => {
      const json = await render();
      return { version, json, etag: `"l${createHash('sha256').update(json).digest('base64url').slice(0, 22)}"` };
    });
    return entry!;
  }
}
