import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { registerNamedSchemas } from '../../openapi/components.ts';
import { openapiDocumentTransform, openapiRouteTransform } from '../../openapi/transform.ts';

export interface SwaggerOptions {
  /** The API's public URL, the document's server; null: `/`, the host the document was fetched from. */
  publicUrl: string | null;
}

/** The API's version, as its package.json says. */
const API_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Where each kind of key is explained. */
const KEYS = 'Keys are made with `npm run keys` or POST /v1/admin/keys; see docs/security.md.';

/**
 * OpenAPI generated from the routes' Zod schemas; the document at /docs/json (and /docs/yaml), the UI
 * at /docs. Wrapped with fastify-plugin so swagger sees the routes registered later on the root instance.
 */
async function swaggerPlugin(app: FastifyInstance, options: SwaggerOptions): Promise<void> {
  registerNamedSchemas();
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'λ-lab training API',
        description:
          'Train, inspect and query activity-regularized Fashion-MNIST classifiers. Every error has the one shape ' +
          '`Error`; every answer carries X-Request-Id. With AUTH=disabled no key is checked.',
        version: API_VERSION,
      },
      servers: [options.publicUrl === null ? { url: '/', description: 'The server this document was fetched from' } : { url: options.publicUrl }],
      components: {
        // Three kinds of key, each good for its own routes only (403 elsewhere): the same header.
        securitySchemes: {
          tenantKey: { type: 'http', scheme: 'bearer', description: `A tenant's API key (lab_…): every /v1 route but /v1/admin. ${KEYS}` },
          adminKey: { type: 'http', scheme: 'bearer', description: `An admin key: the /v1/admin routes only. ${KEYS}` },
          metricsKey: { type: 'http', scheme: 'bearer', description: `A metrics key: GET /metrics only. ${KEYS}` },
          accessToken: {
            type: 'apiKey',
            in: 'query',
            name: 'access_token',
            description: "A tenant's API key as a query parameter, for EventSource (which cannot send headers): the /events routes only",
          },
        },
      },
      security: [{ tenantKey: [] }],
    },
    transform: openapiRouteTransform,
    transformObject: openapiDocumentTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

export default fp(swaggerPlugin, { name: 'swagger' });
