import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { LOCAL_TENANT } from '@lab/contracts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant the request acts for: every read and change it makes is scoped to it. */
    tenantId: string;
  }
}

/** Without authentication every request acts for the single local tenant. */
async function tenantPlugin(app: FastifyInstance): Promise<void> {
  app.decorateRequest('tenantId', LOCAL_TENANT);
}

export default fp(tenantPlugin, { name: 'tenant' });
