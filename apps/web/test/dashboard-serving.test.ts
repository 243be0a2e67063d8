import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import request from 'supertest';
import dashboard from '../../api/src/plugins/app/dashboard.ts';
import errorHandler from '../../api/src/plugins/app/error-handler.ts';
import { startTestApp, type TestApp } from '../../api/test/test-app.ts';
import { buildPage } from './build-page.ts';

describe('the API serves the dashboard at /', () => {
  let testApp: TestApp;
  before(async () => {
    buildPage();
    testApp = await startTestApp();
  });
  after(async () => {
    await testApp.close();
  });
  const api = () => request(testApp.app.server);

  it('answers / with the page, revalidated on every load, and its hashed assets as immutable', async () => {
    const page = await api().get('/').expect(200);
    assert.match(page.headers['content-type']!, /^text\/html/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.match(page.text, /<div id="app">/);
    const scripts = [...page.text.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((match) => match[1]!);
    assert.equal(scripts.length, 1, 'one entry script');
    const script = await api().get(scripts[0]!).expect(200);
    assert.match(script.headers['content-type']!, /javascript/);
    assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.ok(script.text.length > 10_000, 'the bundle, not an error page');
  });

  it('other paths, and assets that do not exist, keep the API 404 in its error shape', async () => {
    for (const path of ['/nothing-here', '/assets/missing.js', '/v1/nothing']) {
      const { body } = await api().get(path).expect(404);
      assert.equal(body.error.code, 'not_found', path);
    }
  });

  it('keeps the page out of the OpenAPI document', async () => {
    const { body } = await api().get('/docs/json').expect(200);
    const paths = Object.keys(body.paths);
    assert.ok(paths.includes('/v1/experiments'), 'the document lists the API');
    assert.deepEqual(paths.filter((path) => path === '/' || path.startsWith('/assets') || path.endsWith('.html')), []);
  });
});

describe('before the page is built', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'lab-dashboard-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('/ says how to build it, in the error shape; once built, the page is served without a restart', async () => {
    const app = Fastify({ logger: false });
    await app.register(errorHandler);
    await app.register(dashboard, { root });
    await app.ready();
    try {
      const { body } = await request(app.server).get('/').expect(503);
      assert.equal(body.error.code, 'service_unavailable');
      assert.match(body.error.message, /not built.*npm run build -w @lab\/web/);

      await mkdir(join(root, 'assets'));
      await writeFile(join(root, 'index.html'), '<!doctype html><script type="module" src="/assets/page-1.js"></script>');
      await writeFile(join(root, 'assets', 'page-1.js'), 'console.log(1);');
      const page = await request(app.server).get('/').expect(200);
      assert.match(page.text, /page-1\.js/);
      const asset = await request(app.server).get('/assets/page-1.js').expect(200);
      assert.equal(asset.text, 'console.log(1);');
    } finally {
      await app.close();
    }
  });
});
