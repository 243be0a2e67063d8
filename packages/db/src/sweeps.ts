import { sweepSpecSchema } from '@lab/contracts';
import type { EpochMetrics, ExperimentStatus, ResolvedExperimentSpec, SweepRunRecord, SweepSpec } from '@lab/contracts';
import { toJsonInput } from './db-values.ts';
import type { PrismaClient } from './generated/client.ts';
import { toDataset, toEpochMetrics, toSpec } from './mappers.ts';

export interface StoredSweep {
  id: string;
  name: string | null;
  spec: SweepSpec;
  createdAt: Date;
}


export interface NewSweepRun {
  id: string;
  name: string;
  spec: ResolvedExperimentSpec;
}

const UNFINISHED: ExperimentStatus[] = ['queued', 'running'];

const toStoredSweep = (row: { id: string; name: string | null; spec: unknown; createdAt: Date }): StoredSweep => ({
  id: row.id,
  name: row.name,
  spec: sweepSpecSchema.parse(row.spec),
  createdAt: row.createdAt,
});

/** Sweeps and the experiments they are made of; status and summary are derived, never stored. */
export class SweepRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The sweep and every run in one transaction: a sweep is never seen without all of its runs. */
  async create(input: { id: string; name: string | null; spec: SweepSpec; runs: readonly NewSweepRun[]; ownerId?: string | null }): Promise<void> {
    const ownerId = input.ownerId ?? null;
    await this.prisma.$transaction([
      this.prisma.sweep.create({ data: { id: input.id, name: input.name, ownerId, spec: toJsonInput(input.spec) } }),
      this.prisma.experiment.createMany({
        data: input.runs.map((run) => ({
          id: run.id,
          name: run.name,
          ownerId,
          spec: toJsonInput(run.spec),
          seed: run.spec.seed,
          sweepId: input.id,
        })),
      }),
    ]);
  }

  async get(id: string): Promise<StoredSweep | null> {
    const row = await this.prisma.sweep.findUnique({ where: { id } });
    return row === null ? null : toStoredSweep(row);
  }

  /** Newest first, each with its runs' statuses (what status and progress are derived from). */
  async list(page: { limit: number; offset: number }): Promise<{ items: (StoredSweep & { runStatuses: ExperimentStatus[] })[]; total: number }> {
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.sweep.findMany({
        // The id breaks ties between sweeps created in the same millisecond, so pages never overlap.
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: page.offset,
        take: page.limit,
        include: { experiments: { select: { status: true } } },
      }),
      this.prisma.sweep.count(),
    ]);
    return {
      items: rows.map((row) => ({ ...toStoredSweep(row), runStatuses: row.experiments.map((run) => run.status) })),
      total,
    };
  }

  /** Every run of the sweep with its stored history; within a λ, runs come in seed order. */
  async runs(sweepId: string): Promise<SweepRunRecord[]> {
    const [experiments, metrics] = await this.prisma.$transaction([
      this.prisma.experiment.findMany({
        where: { sweepId },
        orderBy: [{ seed: 'asc' }, { id: 'asc' }],
        select: {
          id: true,
          spec: true,
          seed: true,
          status: true,
          epochsDone: true,
          backend: true,
          tfjsVersion: true,
          datasetSource: true,
          datasetVersion: true,
          startedAt: true,
          finishedAt: true,
        },
      }),
      this.prisma.epochMetric.findMany({
        where: { experiment: { sweepId } },
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
        backend: row.backend,
        tfjsVersion: row.tfjsVersion,
        dataset: toDataset(row),
        startedAt: row.startedAt,
        finishedAt: row.finishedAt,
      };
    });
  }

  /** The runs still queued or running: what cancelling the sweep has to stop. */
  async unfinishedRunIds(sweepId: string): Promise<string[]> {
    const rows = await this.prisma.experiment.findMany({
      where: { sweepId, status: { in: UNFINISHED } },
      orderBy: { id: 'asc' },
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }
}
