import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { TRAINING_QUEUE, type TrainJobPayload } from '@lab/contracts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Producer side of the training queue; jobs are added with the contracts' job catalog. */
    trainingQueue: Queue<TrainJobPayload>;
    /** The queue's Redis connection, shared for readiness checks. */
    redis: Redis;
  }
}

/**
 * The BullMQ training queue under the configured key prefix. The connection is ours (not created by
 * BullMQ) so readiness can PING it; both are closed on app close.
 */
async function queuePlugin(app: FastifyInstance, options: { redisUrl: string; queuePrefix: string }): Promise<void> {
  // Fail queued commands after a few reconnect attempts instead of holding requests forever.
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
  redis.on('error', (error) => app.log.warn({ err: error }, 'redis connection error'));
  const trainingQueue = new Queue<TrainJobPayload>(TRAINING_QUEUE, { connection: redis, prefix: options.queuePrefix });
  trainingQueue.on('error', (error) => app.log.warn({ err: error }, 'training queue error'));

  app.decorate('redis', redis);
  app.decorate('trainingQueue', trainingQueue);
  app.addHook('onClose', async () => {
    await trainingQueue.close();
    redis.disconnect();
  });
}

export default fp(queuePlugin, { name: 'queue' });
