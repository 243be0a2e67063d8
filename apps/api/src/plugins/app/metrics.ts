import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import { TRAINING_QUEUE } from '@lab/contracts';
import { errorResponses } from '../../http-errors.ts';
import { responseOf } from '../../openapi/responses.ts';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ApiMetrics;
  }
}

export interface ApiMetrics {
  readonly registry: Registry;
  /** Counts an open event stream until the returned function is called (calling it twice is harmless). */
  eventStreamOpened(): () => void;
}

/** From a cached read (about a millisecond) to a slow prediction or plot. */
const HTTP_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics of this API process at GET /metrics, for a `metrics` key only, so that Prometheus
 * holds no key that can read or change anything else (open when AUTH=disabled): HTTP durations by
 * route template and status, the training queue's job counts by state (BullMQ's own metric name),
 * open event streams, and prom-client's process metrics (event-loop lag, memory, CPU, GC).
 */
async function metricsPlugin(app: FastifyInstance): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS_SECONDS,
    registers: [registry],
  });
  const openStreams = new Gauge({ name: 'http_open_event_streams', help: 'Event streams (SSE) open now', registers: [registry] });
  const trainingQueue = app.trainingQueue;
  new Gauge({
    name: 'bullmq_job_count',
    help: 'Number of jobs in the queue by state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      // Redis away: the gauge is left out of this scrape rather than showing stale or zero counts.
      const counts = await trainingQueue.jobCounts().catch(() => null);
      this.reset();
      if (counts === null) return;
      for (const [state, count] of Object.entries(counts)) this.set({ queue: TRAINING_QUEUE, state }, count);
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route's template, not its URL, so that ids do not make a series each; 404s share one.
    const route = request.routeOptions.url ?? 'unmatched';
    httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.decorate('metrics', {
    registry,
    eventStreamOpened() {
      openStreams.inc();
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        openStreams.dec();
      };
    },
  });

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        operationId: 'getMetrics',
        summary: "Prometheus metrics of this API process, in Prometheus' text format",
        security: [{ metricsKey: [] }],
        response: {
          200: responseOf(z.string(), 'The metrics, text exposition format 0.0.4', { type: 'text/plain' }),
          ...errorResponses(401, 403, 429, 500, 503),
        },
      },
      onRequest: app.authenticate('metrics'),
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}

export default fp(metricsPlugin, { name: 'metrics', dependencies: ['engine', 'auth'] });
