import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/**
 * OpenAPI generated from the routes' Zod schemas; the document at /docs/json, the UI at /docs.
 * Wrapped with fastify-plugin so swagger sees the routes registered later on the root instance.
 */
async function swaggerPlugin(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'λ-lab training API',
        description: 'Train, inspect and query activity-regularized Fashion-MNIST classifiers.',
        version: '0.1.0',
      },
      // Every route needs an API key unless it says otherwise (the health probes); see docs/security.md.
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: lab_…' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

export default fp(swaggerPlugin, { name: 'swagger' });
