import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { EventStreamOptions } from '../../streams/event-stream.ts';
import { StreamHub } from '../../streams/stream-hub.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The open event streams of this process and the lifecycle events they follow. */
    streamHub: StreamHub;
    streamOptions: EventStreamOptions;
  }
}

/** Event streams: one hub per process; every stream is ended before the server closes. */
async function streamsPlugin(app: FastifyInstance, options: EventStreamOptions): Promise<void> {
  const hub = new StreamHub(app.runEvents, app.engine);
  app.decorate('streamHub', hub);
  app.decorate('streamOptions', options);
  // The server waits for open connections to end, and a stream only ends by itself at its run's end.
  app.addHook('preClose', async () => hub.closeAll());
}

export default fp(streamsPlugin, { name: 'streams', dependencies: ['engine'] });
