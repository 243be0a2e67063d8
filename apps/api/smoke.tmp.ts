import { createTestDatabase } from '@lab/db';
import { buildApp, loadApiConfig } from '@lab/api';
const db = await createTestDatabase();
const app = buildApp(loadApiConfig({ DATABASE_URL: db.url, LOG_LEVEL: process.env.LL ?? 'silent', QUEUE_PREFIX: 'smoke', REDIS_URL: 'redis://127.0.0.1:1' }));
let t = Date.now();
await app.ready();
const r = await app.inject({ url: '/readyz' });
console.log(r.statusCode, Date.now() - t);
t = Date.now();
if (process.env.POST) {
const c = await app.inject({ method: 'POST', url: '/v1/experiments', payload: { lambda: 0 } });
console.log(c.statusCode, c.body, Date.now() - t);
const l = await app.inject({ url: '/v1/experiments' });
console.log(l.json().items.map((e: any) => [e.status, e.error]));
}
t = Date.now();
await app.close();
console.log('closed', Date.now() - t);
await db.drop();
