import { sweepSpecSchema } from '@lab/contracts';
import type { EpochMetrics, ExperimentStatus, SweepRunRecord, SweepSpec } from '@lab/contracts';
import type { PrismaClient } from './generated/client.ts';
import { toDataset, toEpochMetrics, toPruneReason, toSpec } from './mappers.ts';

export interface StoredSweep {
  id: string;
  name: string | null;
  spec: SweepSpec;
  createdAt: Date;
  /** Bumped with every change to the sweep or one of its runs. */
  version: number;
}

const toStoredSweep = (row: { id: string; name: string | null; spec: unknown; createdAt: Date; version: number }): StoredSweep => ({
  id: row.id,
  name: row.name,
  spec: sweepSpecSchema.parse(row.spec),
  createdAt: row.createdAt,
  version: row.version,
});

/**
 * What clients read of sweeps, scoped to the owner like every read. Status and summary are derived
 * from the runs (see packages/analysis), never stored.
 */
export class SweepReads {
  constructor(private readonly prisma: PrismaClient) {}

  async get(ownerId: string, id: string): Promise<StoredSweep | null> {
    const row = await this.prisma.sweep.findFirst({ where: { id, ownerId } });
    return row === null ? null : toStoredSweep(row);
  }

  /** Newest first, each with its runs' statuses (what status and progress are derived from). */
  async list(
    ownerId: string,
    page: { limit: number; offset: number },
  ): Promise<{ items: (StoredSweep & { runStatuses: ExperimentStatus[] })[]; total: number }> {
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.sweep.findMany({
        where: { ownerId },
        // The id breaks ties between sweeps created in the same millisecond, so pages never overlap.
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: page.offset,
        take: page.limit,
        include: { experiments: { select: { status: true } } },
      }),
      this.prisma.sweep.count({ where: { ownerId } }),
    ]);
    return {
      items: rows.map((row) => ({ ...toStoredSweep(row), runStatuses: row.experiments.map((run) => run.status) })),
      total,
    };
  }

  /** Each run's state and version: what a sweep's event stream starts from. */
  async runStates(ownerId: string, sweepId: string): Promise<{ experimentId: string; status: ExperimentStatus; version: number }[]> {
    const rows = await this.prisma.experiment.findMany({
      where: { sweepId, ownerId },
      orderBy: { id: 'asc' },
      select: { id: true, status: true, version: true },
    });
    return rows.map((row) => ({ experimentId: row.id, status: row.status, version: row.version }));
  }

  /** The sweep's stored epochs after `afterSeq` in its stream's order (the cursor of its event stream). */
  async epochsAfter(ownerId: string, sweepId: string, afterSeq: number): Promise<{ experimentId: string; sweepSeq: number; metrics: EpochMetrics }[]> {
    const rows = await this.prisma.epochMetric.findMany({
      where: { experiment: { sweepId, ownerId }, sweepSeq: { gt: afterSeq } },
      orderBy: { sweepSeq: 'asc' },
    });
    return rows.map((row) => ({ experimentId: row.experimentId, sweepSeq: row.sweepSeq ?? 0, metrics: toEpochMetrics(row) }));
  }

  /** Every run of the sweep with its stored history; within a λ, runs come in seed order. */
  async runs(ownerId: string, sweepId: string): Promise<SweepRunRecord[]> {
    const [experiments, metrics] = await this.prisma.$transaction([
      this.prisma.experiment.findMany({
        where: { sweepId, ownerId },
        orderBy: [{ seed: 'asc' }, { id: 'asc' }],
        select: {
          id: true,
          spec: true,
          seed: true,
          status: true,
          epochsDone: true,
          pruned: true,
          backend: true,
          tfjsVersion: true,
          datasetSource: true,
          datasetVersion: true,
          startedAt: true,
          finishedAt: true,
        },
      }),
      this.prisma.epochMetric.findMany({
        where: { experiment: { sweepId, ownerId } },
        orderBy: [{ experimentId: 'asc' }, { epoch: 'asc' }],
      }),
    ]);
    const histories = new Map<string, EpochMetrics[]>();
    for (const row of metrics) {
      const history = histories.get(row.experimentId) ?? [];
      history.push(toEpochMetrics(row));
      histories.set(row.experimentId, history);
    }
    return experiments.map((row) => {
      const spec = toSpec(row.spec);
      return {
        experimentId: row.id,
        lambda: spec.lambda,
        seed: row.seed,
        status: row.status,
        epochsDone: row.epochsDone,
        epochs: spec.epochs,
        history: histories.get(row.id) ?? [],
        pruned: toPruneReason(row.pruned),
        backend: row.backend,
        tfjsVersion: row.tfjsVersion,
        dataset: toDataset(row),
        startedAt: row.startedAt,
        finishedAt: row.finishedAt,
      };
    });
  }
}
