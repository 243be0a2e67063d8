import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Predictor } from '../../prediction/predictor.ts';

declare module 'fastify' {
  interface FastifyInstance {
    predictor: Predictor;
  }
}

/** On-demand classification with stored models; cached models are disposed on close. */
async function predictorPlugin(app: FastifyInstance, options: { modelCacheSize: number }): Promise<void> {
  const predictor = new Predictor(app.reads.experiments, options.modelCacheSize);
  app.decorate('predictor', predictor);
  app.addHook('onClose', () => predictor.close());
}

export default fp(predictorPlugin, { name: 'predictor', dependencies: ['db'] });
