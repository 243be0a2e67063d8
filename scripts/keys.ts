// `npm run keys`: API keys, straight in the database (DATABASE_URL), for an operator on a host that
// can reach it — which is how the first admin key is made.
//   npm run keys -- create --tenant NAME [--name LABEL]   a tenant's key (the tenant is created when new)
//   npm run keys -- create --admin [--name LABEL]         a key for the /v1/admin routes
//   npm run keys -- create --metrics [--name LABEL]       a key that reads /metrics only (for Prometheus)
//   npm run keys -- list [--tenant NAME]                  every key (or one tenant's), without secrets
//   npm run keys -- revoke KEY_ID                         the key stops working at once
// `create` prints the new key alone on its last line; it is stored hashed and cannot be shown again.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseEnv, serviceEnvShape, tenantIdSchema } from '@lab/contracts';
import { ApiKeys, createDb, type ApiKeyRecord } from '@lab/db';

const USAGE = 'usage: npm run keys -- create (--tenant NAME | --admin | --metrics) [--name LABEL] | list [--tenant NAME] | revoke KEY_ID';

function fail(message: string): never {
  console.error(message);
  console.error(USAGE);
  process.exit(2);
}

function describe(record: ApiKeyRecord): string {
  const owner = record.tenantId === null ? record.scope : `tenant ${record.tenantId}`;
  const state = record.revokedAt === null ? 'active' : `revoked ${record.revokedAt.toISOString()}`;
  return `${record.id}  ${record.prefix.padEnd(20)}  ${owner.padEnd(24)}  ${state.padEnd(32)}  created ${record.createdAt.toISOString()}  ${record.name ?? ''}`.trimEnd();
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    tenant: { type: 'string' },
    admin: { type: 'boolean', default: false },
    metrics: { type: 'boolean', default: false },
    name: { type: 'string' },
  },
});
const [command, ...rest] = positionals;
function tenantOf(name: string): string {
  const parsed = tenantIdSchema.safeParse(name);
  return parsed.success ? parsed.data : fail(`--tenant ${name}: ${parsed.error.issues[0]?.message}`);
}
const tenantId = values.tenant === undefined ? undefined : tenantOf(values.tenant);

const { DATABASE_URL } = parseEnv(z.object({ DATABASE_URL: serviceEnvShape.DATABASE_URL }), process.env, 'keys');
const db = createDb(DATABASE_URL);
const keys = new ApiKeys(db.prisma);
try {
  switch (command) {
    case 'create': {
      const scopes = [tenantId !== undefined, values.admin, values.metrics].filter(Boolean).length;
      if (scopes !== 1 || rest.length > 0) fail('create takes exactly one of --tenant NAME, --admin, --metrics');
      const { key, record } =
        tenantId !== undefined
          ? await keys.create({ scope: 'tenant', tenantId, name: values.name })
          : await keys.create({ scope: values.admin ? 'admin' : 'metrics', name: values.name });
      console.log(`created: ${describe(record)}`);
      console.log('The key is shown this once (only its hash is stored); send it as Authorization: Bearer <key>:');
      console.log(key);
      break;
    }
    case 'list': {
      if (rest.length > 0 || values.admin || values.metrics) fail('list takes only --tenant NAME');
      const records = await keys.list({ tenantId });
      for (const record of records) console.log(describe(record));
      if (records.length === 0) console.log('no keys');
      break;
    }
    case 'revoke': {
      const id = z.uuid().safeParse(rest[0]);
      if (!id.success || rest.length !== 1) fail('revoke takes one key id (a UUID, as `list` shows it)');
      const record = await keys.revoke(id.data);
      if (record === null) fail(`no key has the id ${id.data}`);
      console.log(`revoked: ${describe(record)}`);
      break;
    }
    default:
      fail(command === undefined ? 'no command given' : `unknown command: ${command}`);
  }
} finally {
  await db.close();
}
