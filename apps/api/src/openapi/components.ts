import { z } from 'zod';
import {
  apiKeyListSchema,
  apiKeySchema,
  createApiKeyBodySchema,
  createdApiKeySchema,
  createdExperimentSchema,
  createdSweepSchema,
  earlyStoppingSchema,
  epochMetricsSchema,
  errorBodySchema,
  errorCodeSchema,
  evaluationResponseSchema,
  experimentListSchema,
  experimentSchema,
  experimentSpecSchema,
  experimentStatusSchema,
  finalResultsSchema,
  healthSchema,
  historySchema,
  modelJsonSchema,
  notReadySchema,
  predictionRequestSchema,
  predictionResponseSchema,
  pruningSchema,
  readinessSchema,
  resumeRequestSchema,
  storedPredictionsResponseSchema,
  sweepAnswerSchema,
  sweepListSchema,
  sweepProgressSchema,
  sweepRequestSchema,
  sweepRowSchema,
  sweepSchema,
  sweepSpecSchema,
} from '@lab/contracts';

/**
 * The contracts' schemas that the OpenAPI document names (`#/components/schemas/<name>`), so that a
 * generated client has one type per concept instead of a copy per route. A schema is named by adding
 * its id to Zod's global registry, where fastify-type-provider-zod looks for ids; the description it
 * already has there is kept.
 */
export const NAMED_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  Error: errorBodySchema,
  ErrorCode: errorCodeSchema,
  Health: healthSchema,
  Readiness: readinessSchema,
  NotReady: notReadySchema,
  ExperimentSpec: experimentSpecSchema,
  ExperimentStatus: experimentStatusSchema,
  EarlyStopping: earlyStoppingSchema,
  Experiment: experimentSchema,
  ExperimentList: experimentListSchema,
  CreatedExperiment: createdExperimentSchema,
  FinalResults: finalResultsSchema,
  ResumeRequest: resumeRequestSchema,
  EpochMetrics: epochMetricsSchema,
  History: historySchema,
  Evaluation: evaluationResponseSchema,
  PredictionRequest: predictionRequestSchema,
  Predictions: predictionResponseSchema,
  StoredPredictions: storedPredictionsResponseSchema,
  ModelJson: modelJsonSchema,
  SweepRequest: sweepRequestSchema,
  SweepSpec: sweepSpecSchema,
  Pruning: pruningSchema,
  Sweep: sweepSchema,
  SweepList: sweepListSchema,
  SweepProgress: sweepProgressSchema,
  SweepRow: sweepRowSchema,
  SweepAnswer: sweepAnswerSchema,
  CreatedSweep: createdSweepSchema,
  CreateApiKeyRequest: createApiKeyBodySchema,
  ApiKey: apiKeySchema,
  ApiKeyList: apiKeyListSchema,
  CreatedApiKey: createdApiKeySchema,
};

/** Adds the ids once per process (the registry refuses an id twice; apps are built many times in tests). */
export function registerNamedSchemas(): void {
  for (const [id, schema] of Object.entries(NAMED_SCHEMAS)) {
    const meta = z.globalRegistry.get(schema);
    if (meta?.id === id) continue;
    z.globalRegistry.add(schema, { ...meta, id });
  }
}
