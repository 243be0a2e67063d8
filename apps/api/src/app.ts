import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiConfig } from './config.ts';
import { documentGuardErrors } from './http-errors.ts';
import { loggingOptions } from './logger-options.ts';
import cors from './plugins/external/cors.ts';
import helmet from './plugins/external/helmet.ts';
import swagger from './plugins/external/swagger.ts';
import auth from './plugins/app/auth.ts';
import dashboard from './plugins/app/dashboard.ts';
import db from './plugins/app/db.ts';
import errorHandler, { frameworkErrorHandler } from './plugins/app/error-handler.ts';
import engine from './plugins/app/engine.ts';
import metrics from './plugins/app/metrics.ts';
import predictor from './plugins/app/predictor.ts';
import rateLimit from './plugins/app/rate-limit.ts';
import readCache from './plugins/app/read-cache.ts';
import requestId, { requestIdOf } from './plugins/app/request-id.ts';
import streams from './plugins/app/streams.ts';
import adminRoutes from './routes/admin.ts';
import evaluationRoutes from './routes/evaluation.ts';
import eventRoutes from './routes/events.ts';
import experimentRoutes from './routes/experiments.ts';
import healthRoutes from './routes/health.ts';
import historyRoutes from './routes/history.ts';
import plotRoutes from './routes/plots.ts';
import predictionRoutes from './routes/predictions.ts';
import modelFileRoutes from './routes/model-files.ts';
import resumeRoutes from './routes/resume.ts';
import sweepRoutes from './routes/sweeps.ts';

/** The versioned API's prefix; health probes stay at the root where orchestrators look for them. */
export const API_PREFIX = '/v1';

/** Resource routes, registered under API_PREFIX: for tenant keys, each limited to its rate. */
async function apiRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', app.authenticate('tenant'));
  app.addHook('onRequest', app.rateLimit());
  documentGuardErrors(app);
  await app.register(experimentRoutes);
  await app.register(historyRoutes);
  await app.register(evaluationRoutes);
  await app.register(predictionRoutes);
  await app.register(plotRoutes);
  await app.register(sweepRoutes);
  await app.register(modelFileRoutes);
  await app.register(resumeRoutes);
  await app.register(eventRoutes);
}

/**
 * The API as a composition of plugins: external (OpenAPI, security headers) → app (error handler,
 * request ids, db, run engine, rate limits, API keys, metrics, predictor) → routes. Nothing listens here: callers `await app.ready()` and then listen or inject.
 */
export function buildApp(config: ApiConfig): FastifyInstance {
  const app = Fastify({
    ...loggingOptions(config.logLevel),
    genReqId: requestIdOf,
    bodyLimit: config.bodyLimitBytes,
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: Fastify also parses text/plain by default, which would turn a wrong content type into
  // a confusing validation error instead of a 415.
  app.removeContentTypeParser('text/plain');
  // Fastify's JSON parser refuses an empty body, yet clients (generated ones among them) send
  // `Content-Type: application/json` with none to the routes that take none (cancel, revoke). An empty
  // body is no body; any other is parsed by Fastify's own parser, prototype-poisoning checks and all.
  const parseJson = app.getDefaultJsonParser(app.initialConfig.onProtoPoisoning ?? 'error', app.initialConfig.onConstructorPoisoning ?? 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : parseJson(request, body as string /* parseAs: 'string' */, done),
  );

  app.register(swagger, { publicUrl: config.publicUrl });
  app.register(helmet);
  app.register(cors, { origins: config.corsOrigins });

  app.register(errorHandler);
  app.register(requestId);
  app.register(db, { databaseUrl: config.databaseUrl });
  app.register(engine, {
    databaseUrl: config.databaseUrl,
    redisUrl: config.redisUrl,
    queuePrefix: config.queuePrefix,
    reconcileIntervalMs: config.reconcileIntervalMs,
    limits: { maxActiveRunsPerTenant: config.maxActiveRunsPerTenant },
  });
  app.register(rateLimit, { redisUrl: config.redisUrl, queuePrefix: config.queuePrefix, ...config.rateLimit });
  app.register(auth, { ...config.auth, windowMs: config.rateLimit.windowMs });
  app.register(metrics);
  app.register(readCache, { entries: config.readCacheEntries });
  app.register(streams, config.eventStreams);
  app.register(predictor, { modelCacheSize: config.modelCacheSize });

  app.register(healthRoutes);
  app.register(dashboard);
  app.register(apiRoutes, { prefix: API_PREFIX });
  app.register(adminRoutes, { prefix: `${API_PREFIX}/admin` });
  return app;
}
