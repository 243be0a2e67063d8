import { z } from 'zod';
import { IMAGE_SIDE, IMAGE_SIZE, NUM_CLASSES } from './classes.ts';
import { epochMetricsSchema, experimentBaseSpecSchema, experimentSchema, experimentStatusSchema, evaluationSchema } from './experiment.ts';

/**
 * Every `error.code` the API answers with; clients may switch on it. One declaration: the API's
 * errors are typed with it, and the OpenAPI document lists it as an enum.
 */
export const ERROR_CODES = [
  'bad_request',
  'bad_url',
  'client_error',
  'conflict',
  'forbidden',
  'idempotency_key_reused',
  'internal_error',
  'invalid_json',
  'method_not_allowed',
  'not_acceptable',
  'not_found',
  'not_ready',
  'payload_too_large',
  'rate_limited',
  'run_cap_exceeded',
  'service_unavailable',
  'too_many_failed_authentications',
  'too_many_requests',
  'unauthorized',
  'unsupported_media_type',
  'validation_error',
] as const;
export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/** The one error shape of every 4xx/5xx response. */
export const errorBodySchema = z.object({
  error: z.object({
    code: errorCodeSchema,
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const idParamsSchema = z.strictObject({ id: z.uuid({ message: 'must be a UUID' }) });

export const paginationQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const listExperimentsQuerySchema = paginationQuerySchema.extend({
  status: experimentStatusSchema.optional(),
  /** Only the runs of this sweep. */
  sweepId: idParamsSchema.shape.id.optional(),
});

export const experimentListSchema = z.object({
  items: z.array(experimentSchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const createdExperimentSchema = z.object({
  id: z.uuid(),
  status: experimentStatusSchema,
});

/** `POST /v1/experiments/:id/resume`: train the run on to this many epochs in all. */
export const resumeRequestSchema = z.strictObject({
  epochs: experimentBaseSpecSchema.shape.epochs.unwrap(),
});
export type ResumeRequest = z.infer<typeof resumeRequestSchema>;

export const historyQuerySchema = z.strictObject({
  afterEpoch: z.coerce.number().int().min(0).max(100_000).optional(),
});

export const historySchema = z.object({
  experimentId: z.uuid(),
  status: experimentStatusSchema,
  epochs: z.array(epochMetricsSchema),
});

export const evaluationResponseSchema = evaluationSchema.extend({ experimentId: z.uuid() });

export const MAX_PREDICTION_IMAGES = 256;
const pixel = z.number().min(0).max(255);
/** An image as 784 values or as 28 rows of 28, pixels 0–255 as in the dataset. */
export const imageSchema = z.union([
  z.array(pixel).length(IMAGE_SIZE),
  z.array(z.array(pixel).length(IMAGE_SIDE)).length(IMAGE_SIDE),
]);
export const predictionRequestSchema = z.strictObject({
  images: z.array(imageSchema).min(1).max(MAX_PREDICTION_IMAGES),
});
export type PredictionRequest = z.infer<typeof predictionRequestSchema>;

export const predictionSchema = z.object({
  classIndex: z.number().int().min(0).max(NUM_CLASSES - 1),
  className: z.string(),
  probabilities: z.array(z.number()).length(NUM_CLASSES),
});
export const predictionResponseSchema = z.object({
  experimentId: z.uuid(),
  predictions: z.array(predictionSchema),
});

export const storedPredictionsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(10_000).default(150),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export const storedPredictionSchema = z.object({
  index: z.number().int(),
  trueClass: z.number().int(),
  predictedClass: z.number().int(),
  confidence: z.number(),
});
export type StoredPrediction = z.infer<typeof storedPredictionSchema>;
export const storedPredictionsResponseSchema = z.object({
  experimentId: z.uuid(),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  items: z.array(storedPredictionSchema),
});

export const healthSchema = z.object({ status: z.literal('ok') });
export const readinessSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({ postgres: z.boolean(), redis: z.boolean() }),
});
/** `/readyz`'s 503: the one error shape, plus the checks in the same form as its 200. */
export const notReadySchema = errorBodySchema.extend(readinessSchema.shape);
