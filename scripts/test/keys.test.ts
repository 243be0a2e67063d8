import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ApiKeys, createDb, createTestDatabase, type Db, type TestDatabase } from '@lab/db';

/** `npm run keys` (scripts/keys.ts) as an operator runs it, on a fresh migrated database. */
const KEYS = fileURLToPath(new URL('../keys.ts', import.meta.url));
const run = promisify(execFile);

let database: TestDatabase;
let db: Db;

before(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
});
after(async () => {
  await db.close();
  await database.drop();
});

const keys = async (...args: string[]) => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', KEYS, ...args], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.url } });
  return stdout.trimEnd().split('\n');
};

describe('npm run keys', () => {
  test('create prints the new key alone on its last line; list shows it without its secret; revoke stops it', async () => {
    const created = await keys('create', '--tenant', 'team-cli', '--name', 'ci runner');
    const key = created.at(-1)!;
    assert.match(key, /^lab_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const store = new ApiKeys(db.prisma);
    const identity = await store.verify(key);
    assert.deepEqual({ scope: identity?.scope, tenantId: identity?.tenantId }, { scope: 'tenant', tenantId: 'team-cli' });

    const admin = (await keys('create', '--admin')).at(-1)!;
    assert.equal((await store.verify(admin))?.scope, 'admin');

    const listed = (await keys('list', '--tenant', 'team-cli')).join('\n');
    assert.ok(listed.includes(key.slice(0, 17)), 'the listing names the key by its prefix');
    assert.ok(!listed.includes(key.slice(17)), 'and never shows its secret');
    assert.match(listed, /ci runner/);

    const revoked = await keys('revoke', identity!.keyId);
    assert.match(revoked.join('\n'), /revoked/);
    assert.equal(await store.verify(key), null);
  });

  test('bad arguments exit 2 with the usage, and create nothing', async () => {
    const before = await db.prisma.apiKey.count();
    for (const args of [['create', '--tenant', 'Not Valid'], ['create', '--admin', '--tenant', 'x'], ['create'], ['revoke', 'nope'], ['explode']]) {
      await assert.rejects(keys(...args), (error: { code?: number; stderr?: string }) => error.code === 2 && /usage: npm run keys/.test(error.stderr ?? ''), args.join(' '));
    }
    assert.equal(await db.prisma.apiKey.count(), before);
  });
});
