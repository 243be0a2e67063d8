import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiKeyListSchema, apiKeySchema, createApiKeyBodySchema, createdApiKeySchema, idParamsSchema, listApiKeysQuerySchema, type ApiKey } from '@lab/contracts';
import type { ApiKeyRecord } from '@lab/db';
import { documentGuardErrors, errorResponses, notFound } from '../http-errors.ts';
import { responseOf } from '../openapi/responses.ts';

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
  documentGuardErrors(app);

  app.post(
    '/keys',
    {
      schema: {
        tags: ['admin'],
        operationId: 'createApiKey',
        security: [{ adminKey: [] }],
        summary: "Create a tenant's API key (and the tenant, when new); the key is in this answer only",
        body: createApiKeyBodySchema,
        response: { 201: responseOf(createdApiKeySchema, 'The key, with its secret (shown this once)'), ...errorResponses(400, 413, 415, 500) },
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
        operationId: 'listApiKeys',
        security: [{ adminKey: [] }],
        summary: "Every API key (one tenant's with `tenant`), oldest first, without their secrets",
        querystring: listApiKeysQuerySchema,
        response: { 200: responseOf(apiKeyListSchema, 'The keys, without their secrets'), ...errorResponses(400, 500) },
      },
    },
    async (request) => ({ items: (await app.apiKeys.list({ tenantId: request.query.tenant })).map(toApiKey) }),
  );

  app.post(
    '/keys/:id/revoke',
    {
      schema: {
        tags: ['admin'],
        operationId: 'revokeApiKey',
        security: [{ adminKey: [] }],
        summary: 'Revoke an API key: it stops working at once (revoking twice is harmless)',
        params: idParamsSchema,
        response: { 200: responseOf(apiKeySchema, 'The revoked key'), ...errorResponses(400, 404, 413, 415, 500) },
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
