import { z } from 'zod';
import { tenantIdSchema } from './tenants.ts';

/**
 * The admin API's keys (`/v1/admin/keys`). A key's secret is shown once, in the answer that creates
 * it; listings show its prefix (`lab_<public id>_…`), which identifies it without revealing it.
 */
export const API_KEY_SCOPES = ['tenant', 'admin', 'metrics'] as const;

export const MAX_API_KEY_NAME_LENGTH = 200;

export const createApiKeyBodySchema = z.strictObject({
  tenant: tenantIdSchema,
  name: z.string().trim().min(1).max(MAX_API_KEY_NAME_LENGTH).optional(),
});
export type CreateApiKeyBody = z.infer<typeof createApiKeyBodySchema>;

export const apiKeySchema = z.object({
  id: z.uuid(),
  prefix: z.string(),
  scope: z.enum(API_KEY_SCOPES),
  tenant: z.string().nullable(),
  name: z.string().nullable(),
  createdAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const createdApiKeySchema = apiKeySchema.extend({
  /** The key itself: send it as `Authorization: Bearer <key>`. It is not stored and cannot be shown again. */
  key: z.string(),
});

export const apiKeyListSchema = z.object({ items: z.array(apiKeySchema) });

export const listApiKeysQuerySchema = z.strictObject({ tenant: tenantIdSchema.optional() });
