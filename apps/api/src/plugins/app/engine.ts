import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Reconciler, RunEngine, RunEventListener, TrainingQueue, type SubmissionLimits } from '@lab/runs';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every change to a run (submit, cancel) goes through the run engine. */
    engine: RunEngine;
    /** The training queue the engine derives from Postgres (readiness pings its Redis). */
    trainingQueue: TrainingQueue;
    /** Lifecycle events of every run, from Postgres LISTEN: what event streams follow. */
    runEvents: RunEventListener;
  }
}

export interface EnginePluginOptions {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  reconcileIntervalMs: number;
  limits: SubmissionLimits;
}

/**
 * The run engine and what keeps it honest in this process: the reconciler (the queue made to agree
 * with Postgres, so a Redis that lost its data loses no run) and the run-event listener. All are
 * closed on app close; the reconciler starts once the app is ready.
 */
async function enginePlugin(app: FastifyInstance, options: EnginePluginOptions): Promise<void> {
  const trainingQueue = new TrainingQueue({ redisUrl: options.redisUrl, prefix: options.queuePrefix, log: app.log });
  const engine = new RunEngine({ db: app.db, queue: trainingQueue, log: app.log, limits: options.limits });
  const reconciler = new Reconciler({ prisma: app.prisma, queue: trainingQueue, engine, log: app.log, intervalMs: options.reconcileIntervalMs });
  const runEvents = new RunEventListener(options.databaseUrl, app.log);

  app.decorate('engine', engine);
  app.decorate('trainingQueue', trainingQueue);
  app.decorate('runEvents', runEvents);
  app.addHook('onReady', () => reconciler.start());
  app.addHook('onClose', async () => {
    await reconciler.close();
    await runEvents.close();
    await trainingQueue.close();
  });
}

export default fp(enginePlugin, { name: 'engine', dependencies: ['db'] });
