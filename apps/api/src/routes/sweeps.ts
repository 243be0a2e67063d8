import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createdSweepSchema,
  idParamsSchema,
  paginationQuerySchema,
  sweepListSchema,
  sweepReportQuerySchema,
  sweepRequestSchema,
  sweepSchema,
  type Sweep,
  type SweepHeader,
  type SweepRow,
  type SweepRunRecord,
} from '@lab/contracts';
import { summarizeSweep, sweepProgress, sweepReportContext, sweepReportMarkdown, sweepStatus, type SweepSummary } from '@lab/analysis';
import type { StoredSweep } from '@lab/db';
import { renderSweepPlot, type SweepPlotRow } from '@lab/plots';
import { conflict, errorResponses, notFound } from '../http-errors.ts';
import { IDEMPOTENT_REPLAY_HEADER, idempotencyHeadersSchema, idempotencyOf } from '../idempotency.ts';

const SVG = 'image/svg+xml; charset=utf-8';
const MARKDOWN = 'text/markdown; charset=utf-8';

function header(stored: StoredSweep, summary: Pick<SweepSummary, 'status' | 'progress'>): SweepHeader {
  return {
    id: stored.id,
    name: stored.name,
    status: summary.status,
    progress: summary.progress,
    spec: stored.spec,
    createdAt: stored.createdAt.toISOString(),
  };
}

/** The plot shows the final validation accuracy and the final gap, over the runs with an epoch. */
function plotRows(rows: readonly SweepRow[]): SweepPlotRow[] {
  return rows.flatMap(({ lambda, summary }) =>
    summary === null
      ? []
      : [
          {
            lambda,
            valAccuracyMean: summary.finalValAccuracy.mean,
            valAccuracySd: summary.finalValAccuracy.sd,
            gapMean: summary.gapAtEnd.mean,
            gapSd: summary.gapAtEnd.sd,
          },
        ],
  );
}

/**
 * λ sweeps: one ordinary experiment (and training job) per λ and seed, trained by any worker. A
 * sweep's status, progress and summary are computed from its runs' stored history on every read.
 */
const sweepRoutes: FastifyPluginAsyncZod = async (app) => {
  const sweeps = app.reads.sweeps;

  /** The request's tenant's sweep, or a 404 — for an unknown id and another tenant's alike. */
  async function findSweep(request: FastifyRequest, id: string): Promise<StoredSweep> {
    const stored = await sweeps.get(request.tenantId, id);
    if (stored === null) throw notFound('Sweep');
    return stored;
  }

  async function describeSweep(request: FastifyRequest, stored: StoredSweep, runs?: readonly SweepRunRecord[]): Promise<Sweep> {
    const summary = summarizeSweep(stored.spec.lambdas, runs ?? (await sweeps.runs(request.tenantId, stored.id)));
    return { ...header(stored, summary), rows: summary.rows, recommendation: summary.recommendation, answer: summary.answer };
  }

  app.post(
    '/sweeps',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Submit a λ sweep: one experiment per λ and seed, stored together, then queued',
        description:
          '`lambdas` is a list (λ = 0 allowed) or `{ logspace: { from, to, count } }` with base-10 exponents ' +
          '(`{ from: -6, to: -3, count: 4 }` is 1e-6 … 1e-3). `base` holds every experiment field but λ and the ' +
          'name; its `seed` may not be given with `seeds`. Without `seeds`, every λ runs once with the same seed. ' +
          'With an Idempotency-Key header, a repeat of the same request answers with the sweep the first one created.',
        headers: idempotencyHeadersSchema,
        body: sweepRequestSchema,
        response: { 202: createdSweepSchema, ...errorResponses(400, 409, 413, 415, 500, 503) },
      },
    },
    async (request, reply) => {
      const { id, replayed, created } = await app.engine.submitSweep({
        ownerId: request.tenantId,
        request: request.body,
        idempotency: idempotencyOf(request),
      });
      reply.code(202).header('location', `${app.prefix}/sweeps/${id}`);
      if (!replayed) return { id, status: 'queued' as const, experimentIds: created.map((run) => run.id) };
      reply.header(IDEMPOTENT_REPLAY_HEADER, 'true');
      // Rows follow the λ list and runs the seeds: the order the ids were first answered in.
      const sweep = await describeSweep(request, await findSweep(request, id));
      return { id, status: sweep.status, experimentIds: sweep.rows.flatMap((row) => row.runs.map((run) => run.experimentId)) };
    },
  );

  app.get(
    '/sweeps',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'List sweeps, newest first, with status and progress',
        querystring: paginationQuerySchema,
        response: { 200: sweepListSchema, ...errorResponses(400, 500) },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await sweeps.list(request.tenantId, { limit, offset });
      const items = page.items.map((item) => header(item, { status: sweepStatus(item.runStatuses), progress: sweepProgress(item.runStatuses) }));
      return { items, total: page.total, limit, offset };
    },
  );

  app.get(
    '/sweeps/:id',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'One sweep: status, progress, one row per λ (mean ± sd over seeds) and a recommended λ',
        description:
          'Computed from the runs\' stored history on every read, so it is right while runs are going (rows ' +
          'marked partial) and after restarts.',
        params: idParamsSchema,
        response: { 200: sweepSchema, ...errorResponses(400, 404, 500) },
      },
    },
    async (request) => describeSweep(request, await findSweep(request, request.params.id)),
  );

  app.get(
    '/sweeps/:id/plot.svg',
    {
      schema: {
        tags: ['sweeps', 'plots'],
        summary: 'Final validation accuracy and overfitting gap against λ (log axis, λ = 0 apart), as SVG',
        params: idParamsSchema,
        response: { 200: z.string().describe('An SVG document (image/svg+xml)'), ...errorResponses(400, 404, 500) },
      },
    },
    async (request, reply) => {
      const sweep = await describeSweep(request, await findSweep(request, request.params.id));
      const partial = sweep.rows.some((row) => row.partial) ? ' (partial: runs unfinished)' : '';
      const title = `${sweep.name ?? 'λ sweep'}: validation accuracy and overfitting gap at the last epoch${partial}`;
      return reply.type(SVG).send(await renderSweepPlot(plotRows(sweep.rows), { title }));
    },
  );

  app.get(
    '/sweeps/:id/report',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'The sweep as a Markdown report: how it ran, the answer (the same text as `answer`), the table per λ, the plot',
        description: 'The plot is linked at `plotHref`, relative to the report: by default `plot.svg`, this sweep\'s `plot.svg` route.',
        params: idParamsSchema,
        querystring: sweepReportQuerySchema,
        response: { 200: z.string().describe('A Markdown document (text/markdown)'), ...errorResponses(400, 404, 500) },
      },
    },
    async (request, reply) => {
      const stored = await findSweep(request, request.params.id);
      const runs = await sweeps.runs(request.tenantId, stored.id);
      const report = sweepReportMarkdown(await describeSweep(request, stored, runs), sweepReportContext(runs), { plotHref: request.query.plotHref });
      return reply.type(MARKDOWN).send(report);
    },
  );

  app.post(
    '/sweeps/:id/cancel',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Cancel every queued or running run of a sweep (cancelling twice is harmless)',
        params: idParamsSchema,
        response: { 200: sweepSchema, ...errorResponses(400, 404, 409, 413, 415, 500) },
      },
    },
    async (request) => {
      const result = await app.engine.cancelSweep(request.tenantId, request.params.id);
      if (result === null) throw notFound('Sweep');
      const sweep = await describeSweep(request, await findSweep(request, request.params.id));
      if (result.cancelled === 0 && sweep.status !== 'cancelled') {
        throw conflict(`The sweep has already finished: it is ${sweep.status}`);
      }
      return sweep;
    },
  );
};

export default sweepRoutes;
