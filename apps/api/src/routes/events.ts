import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { historyQuerySchema, idParamsSchema } from '@lab/contracts';
import { errorResponses, notFound } from '../http-errors.ts';
import { EventStream } from '../streams/event-stream.ts';
import { ExperimentFollower, SweepFollower } from '../streams/followers.ts';
import { responseOf } from '../openapi/responses.ts';
import { findExperiment } from './experiment-lookup.ts';

const cursor = z.coerce.number().int().min(0).max(1_000_000_000);
/** A reconnecting EventSource sends the last id it saw: the cursor to resume after. */
const lastEventIdHeadersSchema = z.looseObject({
  'last-event-id': cursor.optional().describe('The id of the last event received: the stream resumes after it'),
});
const sweepStreamQuerySchema = z.strictObject({ afterSeq: cursor.optional() });
const eventStream = responseOf(z.string(), 'A stream of `epoch` and `status` events (see the description)', { type: 'text/event-stream' });
/** EventSource cannot send headers: these two routes also take the key as `access_token`. */
const STREAM_SECURITY: Array<Record<string, string[]>> = [{ tenantKey: [] }, { accessToken: [] }];

const DESCRIPTION =
  'Server-Sent Events. First what is stored after the cursor (`Last-Event-ID`, else the query parameter, else the ' +
  'beginning), then live as it is stored, with no gap and no repeat; `status` events carry no id (the current one ' +
  'follows the replay, then one per change) and the stream ends after a final status. A `: heartbeat` comment comes ' +
  'at least every 15 s. A client that reads too slowly is cut off and resumes from its last id.';

/** Event streams of an experiment and of a sweep (the contract is in packages/contracts/src/events.ts). */
const eventRoutes: FastifyPluginAsyncZod = async (app) => {
  /** Takes the response over for the stream and keeps it until the follower or the client ends it. */
  async function openStream(
    request: FastifyRequest,
    reply: FastifyReply,
    kind: 'run' | 'sweep',
    id: string,
    follower: (stream: EventStream) => ExperimentFollower | SweepFollower,
  ): Promise<void> {
    reply.hijack();
    const stream = new EventStream(reply.raw, app.streamOptions, reply.getHeaders());
    const following = follower(stream);
    const unfollow = app.streamHub.follow(kind, id, following);
    const untrack = app.streamHub.track(() => stream.close());
    const uncount = app.metrics.eventStreamOpened();
    stream.onClose(() => {
      unfollow();
      untrack();
      uncount();
    });
    request.log.debug({ kind, id }, 'event stream opened');
    await following.start();
  }

  app.get(
    '/experiments/:id/events',
    {
      schema: {
        tags: ['experiments', 'events'],
        operationId: 'streamExperimentEvents',
        security: STREAM_SECURITY,
        summary: "An experiment's epochs and status changes as they happen (ids: epoch numbers)",
        description: `${DESCRIPTION} \`afterEpoch\` is the same cursor as the history's.`,
        params: idParamsSchema,
        querystring: historyQuerySchema,
        headers: lastEventIdHeadersSchema,
        response: { 200: eventStream, ...errorResponses(400, 404, 500) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await findExperiment(app, request, id);
      const after = request.headers['last-event-id'] ?? request.query.afterEpoch ?? 0;
      await openStream(request, reply, 'run', id, (stream) => new ExperimentFollower(stream, app.cachedReads, request.tenantId, id, after));
    },
  );

  app.get(
    '/sweeps/:id/events',
    {
      schema: {
        tags: ['sweeps', 'events'],
        operationId: 'streamSweepEvents',
        security: STREAM_SECURITY,
        summary: "A sweep's epochs (of every run) and status changes as they happen (ids: the sweep's epoch sequence)",
        description: `${DESCRIPTION} \`afterSeq\` is the sequence number to resume after.`,
        params: idParamsSchema,
        querystring: sweepStreamQuerySchema,
        headers: lastEventIdHeadersSchema,
        response: { 200: eventStream, ...errorResponses(400, 404, 500) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if ((await app.cachedReads.sweep(request.tenantId, id)) === null) throw notFound('Sweep');
      const after = request.headers['last-event-id'] ?? request.query.afterSeq ?? 0;
      await openStream(request, reply, 'sweep', id, (stream) => new SweepFollower(stream, app.reads.sweeps, request.tenantId, id, after));
    },
  );
};

export default eventRoutes;
