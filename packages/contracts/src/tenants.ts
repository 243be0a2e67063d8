import { z } from 'zod';

/**
 * Every experiment and sweep belongs to a tenant (its `ownerId`), and every read and write is scoped
 * by it. Rows from before tenants existed, and a server run without authentication, belong to the
 * single local tenant.
 */
export const LOCAL_TENANT = 'local';

/** A tenant's name as an operator writes it: short, and safe in logs and in key listings. */
export const tenantIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1 to 63 lowercase letters, digits, "_" or "-", starting with a letter or digit');
