import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiKeyListSchema, apiKeySchema, createApiKeyBodySchema, createdApiKeySchema, idParamsSchema, listApiKeysQuerySchema, type ApiKey } from '@lab/contracts';
import type { ApiKeyRecord } from '@lab/db';
import { errorResponses, notFound } from '../http-errors.ts';

const toApiKey = (record: ApiKeyRecord): ApiKey => ({
  id: record.id,
  prefix: record.prefix,
  scope: record.scope,
  tenant: record.tenantId,
  name: record.name,
  createdAt: record.createdAt.toISOString(),
  revokedAt: record.revokedAt?.toISOString() ?? null,
});

/**
 * Key management for operators, under /v1/admin, for admin keys only (always, AUTH=disabled too).
 * Tenant keys are created here; admin and metrics keys only with `npm run keys`, on a host that can
 * reach the database.
 */
const adminRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate('admin'));
  app.addHook('onRequest', app.rateLimit());

  app.post(
    '/keys',
    {
      schema: {
        tags: ['admin'],
        summary: "Create a tenant's API key (and the tenant, when new); the key is in this answer only",
        body: createApiKeyBodySchema,
        response: { 201: createdApiKeySchema, ...errorResponses(400, 401, 403, 413, 415, 429, 500) },
      },
    },
    async (request, reply) => {
      const { key, record } = await app.apiKeys.create({ scope: 'tenant', tenantId: request.body.tenant, name: request.body.name });
      request.log.info({ keyId: record.id, tenant: record.tenantId }, 'API key created');
      return reply.code(201).send({ ...toApiKey(record), key });
    },
  );

  app.get(
    '/keys',
    {
      schema: {
        tags: ['admin'],
        summary: "Every API key (one tenant's with `tenant`), oldest first, without their secrets",
        querystring: listApiKeysQuerySchema,
        response: { 200: apiKeyListSchema, ...errorResponses(400, 401, 403, 429, 500) },
      },
    },
    async (request) => ({ items: (await app.apiKeys.list({ tenantId: request.query.tenant })).map(toApiKey) }),
  );

  app.post(
    '/keys/:id/revoke',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API key: it stops working at once (revoking twice is harmless)',
        params: idParamsSchema,
        response: { 200: apiKeySchema, ...errorResponses(400, 401, 403, 404, 413, 415, 429, 500) },
      },
    },
    async (request) => {
      const record = await app.apiKeys.revoke(request.params.id);
      if (record === null) throw notFound('API key');
      request.log.info({ keyId: record.id, tenant: record.tenantId }, 'API key revoked');
      return toApiKey(record);
    },
  );
};

export default adminRoutes;
