import type {
  EpochMetrics,
  Evaluation,
  Experiment,
  ExperimentStatus,
  ModelArtifacts,
  StoredPrediction,
  TensorSpec,
} from '@lab/contracts';
import type { PrismaClient } from './generated/client.ts';
import { experimentWithResults, toEpochMetrics, toEvaluation, toExperiment, toModelArtifacts, toModelManifest } from './mappers.ts';

/**
 * What clients read of experiments. Every query is scoped to its owner: another tenant's experiment
 * is exactly as absent as one that does not exist. Nothing here changes a run (the run engine does).
 */
export class ExperimentReads {
  constructor(private readonly prisma: PrismaClient) {}

  async get(ownerId: string, id: string): Promise<Experiment | null> {
    return (await this.find(ownerId, id))?.experiment ?? null;
  }

  /** The experiment and the version it was read at (bumped by every change: what ETags are made of). */
  async find(ownerId: string, id: string): Promise<{ experiment: Experiment; version: number } | null> {
    const row = await this.prisma.experiment.findFirst({ where: { id, ownerId }, ...experimentWithResults });
    return row === null ? null : { experiment: toExperiment(row), version: row.version };
  }

  /** Newest first. */
  async list(
    ownerId: string,
    query: { status?: ExperimentStatus; sweepId?: string; limit: number; offset: number },
  ): Promise<{ items: Experiment[]; total: number }> {
    const where = {
      ownerId,
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.sweepId === undefined ? {} : { sweepId: query.sweepId }),
    };
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.experiment.findMany({
        where,
        // The id breaks ties between experiments created in the same millisecond, so pages never overlap.
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: query.offset,
        take: query.limit,
        ...experimentWithResults,
      }),
      this.prisma.experiment.count({ where }),
    ]);
    return { items: rows.map(toExperiment), total };
  }

  /** Epochs in order; with `afterEpoch`, only the ones after it (the polling cursor). */
  async history(ownerId: string, id: string, afterEpoch?: number): Promise<EpochMetrics[]> {
    const rows = await this.prisma.epochMetric.findMany({
      where: {
        experimentId: id,
        experiment: { ownerId },
        ...(afterEpoch === undefined ? {} : { epoch: { gt: afterEpoch } }),
      },
      orderBy: { epoch: 'asc' },
    });
    return rows.map(toEpochMetrics);
  }

  async evaluation(ownerId: string, id: string): Promise<Evaluation | null> {
    const row = await this.prisma.evaluation.findFirst({
      where: { experimentId: id, experiment: { ownerId } },
      select: { details: true },
    });
    return row === null ? null : toEvaluation(row.details);
  }

  async storedPredictions(
    ownerId: string,
    id: string,
    page: { offset: number; limit: number },
  ): Promise<{ total: number; items: StoredPrediction[] }> {
    const where = { experimentId: id, experiment: { ownerId } };
    const [total, items] = await this.prisma.$transaction([
      this.prisma.testPrediction.count({ where }),
      this.prisma.testPrediction.findMany({
        where,
        orderBy: { index: 'asc' },
        skip: page.offset,
        take: page.limit,
        select: { index: true, trueClass: true, predictedClass: true, confidence: true },
      }),
    ]);
    return { total, items };
  }

  async model(ownerId: string, id: string): Promise<ModelArtifacts | null> {
    const row = await this.prisma.trainedModel.findFirst({
      where: { experimentId: id, experiment: { ownerId } },
      select: { topology: true, weightSpecs: true, weightData: true },
    });
    return row === null ? null : toModelArtifacts(row);
  }

  /** The trained model without its weight bytes: topology, weight manifest and the weights' sha256. */
  async modelManifest(ownerId: string, id: string): Promise<{ topology: object; weightSpecs: TensorSpec[]; weightsSha256: string } | null> {
    const row = await this.prisma.trainedModel.findFirst({
      where: { experimentId: id, experiment: { ownerId } },
      select: { topology: true, weightSpecs: true, weightsSha256: true },
    });
    return row === null ? null : toModelManifest(row);
  }

  /** The trained model's weights as one blob (tfjs' weight-file format) and their sha256. */
  async modelWeights(ownerId: string, id: string): Promise<{ data: Uint8Array; sha256: string } | null> {
    const row = await this.prisma.trainedModel.findFirst({
      where: { experimentId: id, experiment: { ownerId } },
      select: { weightData: true, weightsSha256: true },
    });
    return row === null ? null : { data: row.weightData, sha256: row.weightsSha256 };
  }
}
