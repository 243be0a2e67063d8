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
} from '@lab/contracts';
import { sweepProgress, sweepReportContext, sweepReportMarkdown, sweepStatus } from '@lab/analysis';
import { renderSweepPlot } from '@lab/plots';
import { conflict, errorResponses, notFound } from '../http-errors.ts';
import { JSON_TYPE, sendVersioned } from '../http-cache.ts';
import { IDEMPOTENT_REPLAYED, LOCATION } from '../openapi/headers.ts';
import { responseOf, versionedResponses } from '../openapi/responses.ts';
import { IDEMPOTENT_REPLAY_HEADER, idempotencyHeadersSchema, idempotencyOf } from '../idempotency.ts';
import type { CachedSweep } from '../read-cache/cached-reads.ts';
import { sweepHeader, sweepPlotRows } from '../sweep-view.ts';

const SVG = 'image/svg+xml; charset=utf-8';
const MARKDOWN = 'text/markdown; charset=utf-8';
const CACHING =
  'Answers with an ETag (the sweep\'s version, bumped by any change to one of its runs) and `Cache-Control: no-cache`; ' +
  '`If-None-Match` with the current ETag answers 304 without a body.';

/**
 * λ sweeps: one ordinary experiment (and training job) per λ and seed, trained by any worker. A
 * sweep's status, progress and summary are derived from its runs' stored history, once per change.
 */
const sweepRoutes: FastifyPluginAsyncZod = async (app) => {
  /** The request's tenant's sweep, or a 404 — for an unknown id and another tenant's alike. */
  async function findSweep(request: FastifyRequest, id: string): Promise<CachedSweep> {
    const found = await app.cachedReads.sweep(request.tenantId, id);
    if (found === null) throw notFound('Sweep');
    return found;
  }

  app.post(
    '/sweeps',
    {
      schema: {
        tags: ['sweeps'],
        operationId: 'createSweep',
        summary: 'Submit a λ sweep: one experiment per λ and seed, stored together, then queued',
        description:
          '`lambdas` is a list (λ = 0 allowed) or `{ logspace: { from, to, count } }` with base-10 exponents ' +
          '(`{ from: -6, to: -3, count: 4 }` is 1e-6 … 1e-3). `base` holds every experiment field but λ and the ' +
          'name; its `seed` may not be given with `seeds`. Without `seeds`, every λ runs once with the same seed. ' +
          'With an Idempotency-Key header, a repeat of the same request answers with the sweep the first one created.',
        headers: idempotencyHeadersSchema,
        body: sweepRequestSchema,
        response: {
          202: responseOf(createdSweepSchema, 'Stored, and its runs queued', { headers: { Location: LOCATION, 'Idempotent-Replayed': IDEMPOTENT_REPLAYED } }),
          ...errorResponses(400, 409, 413, 415, 500, 503),
        },
      },
    },
    async (request, reply) => {
      const { id, replayed, created } = await app.engine.submitSweep({
        ownerId: request.tenantId,
        request: request.body,
        idempotency: idempotencyOf(request),
        requestId: request.id,
      });
      reply.code(202).header('location', `${app.prefix}/sweeps/${id}`);
      if (!replayed) return { id, status: 'queued' as const, experimentIds: created.map((run) => run.id) };
      reply.header(IDEMPOTENT_REPLAY_HEADER, 'true');
      // Rows follow the λ list and runs the seeds: the order the ids were first answered in.
      const { sweep } = await findSweep(request, id);
      return { id, status: sweep.status, experimentIds: sweep.rows.flatMap((row) => row.runs.map((run) => run.experimentId)) };
    },
  );

  app.get(
    '/sweeps',
    {
      schema: {
        tags: ['sweeps'],
        operationId: 'listSweeps',
        summary: 'List sweeps, newest first, with status and progress',
        description: 'Answers with an ETag and `Cache-Control: no-cache`; a matching `If-None-Match` answers 304.',
        querystring: paginationQuerySchema,
        response: { ...versionedResponses(sweepListSchema, 'A page of sweeps'), ...errorResponses(400, 500) },
      },
    },
    async (request, reply) => {
      const { limit, offset } = request.query;
      const { etag, json } = await app.cachedReads.list(request.tenantId, `sweeps?${limit}&${offset}`, async () => {
        const page = await app.reads.sweeps.list(request.tenantId, { limit, offset });
        const items = page.items.map((item) => sweepHeader(item, { status: sweepStatus(item.runStatuses), progress: sweepProgress(item.runStatuses) }));
        return JSON.stringify(sweepListSchema.parse({ items, total: page.total, limit, offset }));
      });
      return sendVersioned(request, reply, etag, () => ({ body: json, type: JSON_TYPE }));
    },
  );

  app.get(
    '/sweeps/:id',
    {
      schema: {
        tags: ['sweeps'],
        operationId: 'getSweep',
        summary: 'One sweep: status, progress, one row per λ (mean ± sd over seeds), a recommended λ and the answer',
        description: `Derived from the runs' stored history, so it is right while runs are going (rows marked partial) and after restarts. ${CACHING}`,
        params: idParamsSchema,
        response: { ...versionedResponses(sweepSchema, 'The sweep'), ...errorResponses(400, 404, 500) },
      },
    },
    async (request, reply) => {
      const found = await findSweep(request, request.params.id);
      return sendVersioned(request, reply, `"s${found.version}"`, () => ({ body: found.json, type: JSON_TYPE }));
    },
  );

  app.get(
    '/sweeps/:id/plot.svg',
    {
      schema: {
        tags: ['sweeps', 'plots'],
        operationId: 'getSweepPlot',
        summary: 'Final validation accuracy and overfitting gap against λ (log axis, λ = 0 apart), as SVG',
        description: CACHING,
        params: idParamsSchema,
        response: { ...versionedResponses(z.string(), 'The plot, an SVG document', 'image/svg+xml'), ...errorResponses(400, 404, 500) },
      },
    },
    async (request, reply) => {
      const { sweep, version } = await findSweep(request, request.params.id);
      return sendVersioned(request, reply, `"sp${version}"`, async () => {
        const body = await app.cachedReads.derivedOfSweep(request.tenantId, sweep.id, 'sweep-plot', version, () => {
          const partial = sweep.rows.some((row) => row.partial) ? ' (partial: runs unfinished)' : '';
          const title = `${sweep.name ?? 'λ sweep'}: validation accuracy and overfitting gap at the last epoch${partial}`;
          return renderSweepPlot(sweepPlotRows(sweep.rows), { title });
        });
        return { body, type: SVG };
      });
    },
  );

  app.get(
    '/sweeps/:id/report',
    {
      schema: {
        tags: ['sweeps'],
        operationId: 'getSweepReport',
        summary: 'The sweep as a Markdown report: how it ran, the answer (the same text as `answer`), the table per λ, the plot',
        description: `The plot is linked at \`plotHref\`, relative to the report: by default \`plot.svg\`, this sweep's \`plot.svg\` route. ${CACHING}`,
        params: idParamsSchema,
        querystring: sweepReportQuerySchema,
        response: { ...versionedResponses(z.string(), 'The report, a Markdown document', 'text/markdown'), ...errorResponses(400, 404, 500) },
      },
    },
    async (request, reply) => {
      const { sweep, runs, version } = await findSweep(request, request.params.id);
      const { plotHref } = request.query;
      return sendVersioned(request, reply, `"sr${version}.${encodeURIComponent(plotHref)}"`, () => ({
        body: sweepReportMarkdown(sweep, sweepReportContext(runs), { plotHref }),
        type: MARKDOWN,
      }));
    },
  );

  app.post(
    '/sweeps/:id/cancel',
    {
      schema: {
        tags: ['sweeps'],
        operationId: 'cancelSweep',
        summary: 'Cancel every queued or running run of a sweep (cancelling twice is harmless)',
        params: idParamsSchema,
        response: { 200: responseOf(sweepSchema, 'The sweep, its unfinished runs cancelled'), ...errorResponses(400, 404, 409, 413, 415, 500) },
      },
    },
    async (request) => {
      const result = await app.engine.cancelSweep(request.tenantId, request.params.id);
      if (result === null) throw notFound('Sweep');
      // Read past the cache: the answer must show the cancellation this request just committed.
      const stored = await app.reads.sweeps.get(request.tenantId, request.params.id);
      if (stored === null) throw notFound('Sweep');
      const { sweep } = (await app.cachedReads.sweep(request.tenantId, stored.id))!;
      if (result.cancelled === 0 && sweep.status !== 'cancelled') {
        throw conflict(`The sweep has already finished: it is ${sweep.status}`);
      }
      return sweep;
    },
  );
};

export default sweepRoutes;
