import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { IMAGE_SIZE, MODEL_WEIGHTS_FILE, NUM_CLASSES } from '@lab/contracts';
import { buildModel, initBackend, serializeModel } from '@lab/trainer';
import { launchBrowser, type Browser } from '../../web/test/browser.ts';
import { StoredRuns, SYNTHETIC_EVALUATION, syntheticEpoch } from './stored-runs.ts';
import { startTestApp, type TestApp } from './test-app.ts';

/**
 * The model files over real HTTP from a listening app, loaded with stock TensorFlow.js — in a Node
 * process that has no code of this project, and in Chromium from a page on another origin — with an
 * API key in the Authorization header, as a user would; their predictions must be the service's.
 */
const TENANT = 'model-owner';
const spec = { lambda: 1e-3, epochs: 2, hiddenLayers: [24, 12], seed: 5 };
/** Images whose pixels differ from image to image and pixel to pixel, as 28 rows of 28. */
const images = Array.from({ length: 6 }, (_, seed) =>
  Array.from({ length: 28 }, (_, row) => Array.from({ length: 28 }, (_, column) => ((row * 28 + column) * 37 + seed * 101) % 256)),
);
const LOADER = fileURLToPath(new URL('./stock-tfjs/load-and-predict.mjs', import.meta.url));
/** Stock tfjs' browser bundles, as a page would take them from a CDN. */
const BUNDLES = ['tfjs-core/dist/tf-core.min.js', 'tfjs-backend-cpu/dist/tf-backend-cpu.min.js', 'tfjs-layers/dist/tf-layers.min.js'].map((path) =>
  fileURLToPath(new URL(`../../../node_modules/@tensorflow/${path}`, import.meta.url)),
);

let ctx: TestApp;
let runs: StoredRuns;
let baseUrl: string;
let key: string;
let completedId: string;
let servicePredictions: number[][];

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
const modelUrl = (id: string) => `${baseUrl}/v1/experiments/${id}/model/model.json`;

/** Runs the stock loader in its own Node process; its last output line is the answer. */
function loadWithStockTfjs(url: string, authorization: string): Promise<{ layers: string[]; probabilities: number[][] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOADER, url, authorization], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the stock loader exited ${code}: ${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
    });
    child.stdin.end(JSON.stringify(images));
  });
}

function assertSamePredictions(actual: number[][], expected: number[][], where: string): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, index) => {
    const wanted = expected[index]!;
    assert.equal(row.indexOf(Math.max(...row)), wanted.indexOf(Math.max(...wanted)), `${where}: image ${index}'s class`);
    // Another backend sums in another order: float32 rounding apart, the same numbers.
    row.forEach((value, klass) => assert.ok(Math.abs(value - wanted[klass]!) < 1e-5, `${where}: image ${index}, class ${klass}: ${value} vs ${wanted[klass]}`));
  });
}

before(async () => {
  ctx = await startTestApp({ AUTH: 'enabled', RATE_LIMIT_MAX: '10000000' });
  runs = new StoredRuns(ctx.app);
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  key = await ctx.createKey(TENANT);
  await initBackend();
  const model = buildModel(spec);
  completedId = await runs.submit(spec, TENANT);
  await runs.recordEpochs(completedId, [1, 2]);
  await runs.complete(completedId, { evaluation: SYNTHETIC_EVALUATION, predictions: [], model: await serializeModel(model) });
  model.dispose();
  const answer = await fetch(`${baseUrl}/v1/experiments/${completedId}/predictions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ images }),
  });
  assert.equal(answer.status, 200);
  servicePredictions = ((await answer.json()) as { predictions: { probabilities: number[] }[] }).predictions.map((p) => p.probabilities);
});
after(async () => {
  runs.close();
  await ctx.close();
});

describe('GET /v1/experiments/:id/model/model.json and its weight file', () => {
  test('stock tfjs in Node (no code of this project) loads the model from its URL and predicts what the service predicts', async () => {
    const loaded = await loadWithStockTfjs(modelUrl(completedId), `Bearer ${key}`);
    assert.deepEqual(loaded.layers, ['InputLayer', 'Flatten', 'Rescaling', 'Dense', 'Dense', 'Dense'], 'the inference model: no ActivityRegularization');
    assertSamePredictions(loaded.probabilities, servicePredictions, 'Node');
  });

  test('stock tfjs in Chromium, on a page of another origin, loads it with the key in a header (CORS) and predicts the same', async () => {
    const page = `<!doctype html><meta charset="utf-8"><title>stock tfjs</title>${BUNDLES.map((_, index) => `<script src="/tf${index}.js"></script>`).join('')}`;
    const bundles = await Promise.all(BUNDLES.map((path) => readFile(path)));
    const origin: Server = createServer((request, response) => {
      const bundle = /^\/tf(\d)\.js$/.exec(request.url ?? '');
      if (bundle !== null) response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundles[Number(bundle[1])]);
      else response.writeHead(200, { 'content-type': 'text/html' }).end(page);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const tab = await browser.newPage();
      // Another port is another origin: every request to the API is cross-origin, the key makes it preflighted.
      await tab.goto(`http://localhost:${(origin.address() as AddressInfo).port}/`);
      const probabilities = await tab.evaluate(
        async ({ url, authorization, pixels }) => {
          const tf = (globalThis as unknown as { tf: any }).tf; // eslint-disable-line @typescript-eslint/no-explicit-any
          await tf.setBackend('cpu');
          const model = await tf.loadLayersModel(url, { requestInit: { headers: { Authorization: authorization } } });
          return (await model.predict(tf.tensor3d(pixels)).array()) as number[][];
        },
        { url: modelUrl(completedId), authorization: `Bearer ${key}`, pixels: images },
      );
      assertSamePredictions(probabilities, servicePredictions, 'Chromium');
      assert.deepEqual(browser.pageErrors, []);
    } finally {
      await browser?.close();
      await new Promise((resolve) => origin.close(resolve));
    }
  });

  test('names its weight file relative to itself, whose size is the manifest\'s; tfjs\' query string is harmless', async () => {
    const response = await get(`/v1/experiments/${completedId}/model/model.json?token=abc`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await response.json()) as { format: string; weightsManifest: { paths: string[]; weights: { shape: number[] }[] }[] };
    assert.equal(body.format, 'layers-model');
    assert.deepEqual(body.weightsManifest[0]?.paths, [MODEL_WEIGHTS_FILE]);
    const weights = await get(`/v1/experiments/${completedId}/model/${MODEL_WEIGHTS_FILE}?token=abc`);
    assert.equal(weights.status, 200);
    assert.equal(weights.headers.get('content-type'), 'application/octet-stream');
    const bytes = (await weights.arrayBuffer()).byteLength;
    const parameters = body.weightsManifest[0]!.weights.reduce((sum, tensor) => sum + tensor.shape.reduce((a, b) => a * b, 1), 0);
    assert.equal(parameters, IMAGE_SIZE * 24 + 24 + 24 * 12 + 12 + 12 * NUM_CLASSES + NUM_CLASSES);
    assert.equal(bytes, parameters * 4);
  });

  test('ETag is the content\'s sha256: If-None-Match answers 304 without a body', async () => {
    for (const file of ['model.json', MODEL_WEIGHTS_FILE]) {
      const first = await get(`/v1/experiments/${completedId}/model/${file}`);
      const etag = first.headers.get('etag');
      assert.match(etag ?? '', /^"[0-9a-f]{64}"$/, file);
      assert.equal(first.headers.get('cache-control'), 'no-cache');
      const content = Buffer.from(await first.arrayBuffer());
      if (file === MODEL_WEIGHTS_FILE) {
        const { createHash } = await import('node:crypto');
        assert.equal(etag, `"${createHash('sha256').update(content).digest('hex')}"`);
      }
      const again = await get(`/v1/experiments/${completedId}/model/${file}`, { 'if-none-match': etag! });
      assert.equal(again.status, 304, file);
      assert.equal((await again.arrayBuffer()).byteLength, 0);
    }
  });

  test('409 while the run is not completed; 404 for an unknown id and for another tenant\'s run, alike', async () => {
    const queued = await runs.submit(spec, TENANT);
    for (const file of ['model.json', MODEL_WEIGHTS_FILE]) {
      const notYet = await get(`/v1/experiments/${queued}/model/${file}`);
      assert.equal(notYet.status, 409, file);
      assert.match(((await notYet.json()) as { error: { message: string } }).error.message, /once the experiment has completed; it is queued/);
    }
    const stranger = await ctx.createKey('someone-else');
    for (const file of ['model.json', MODEL_WEIGHTS_FILE]) {
      const unknown = await get(`/v1/experiments/00000000-0000-4000-8000-000000000000/model/${file}`);
      const foreign = await fetch(`${baseUrl}/v1/experiments/${completedId}/model/${file}`, { headers: { authorization: `Bearer ${stranger}` } });
      assert.equal(unknown.status, 404);
      assert.equal(foreign.status, 404);
      assert.deepEqual(await foreign.json(), await unknown.json(), 'another tenant\'s run is indistinguishable from a missing one');
    }
    const anonymous = await fetch(modelUrl(completedId));
    assert.equal(anonymous.status, 401, 'a key is needed, as everywhere under /v1');
  });

  test('CORS: a preflight for a GET with an Authorization header from another origin is allowed', async () => {
    const preflight = await fetch(modelUrl(completedId), {
      method: 'OPTIONS',
      headers: { origin: 'http://elsewhere.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const read = await get(`/v1/experiments/${completedId}/model/model.json`, { origin: 'http://elsewhere.example' });
    assert.equal(read.headers.get('access-control-allow-origin'), '*');
    assert.match(read.headers.get('access-control-expose-headers') ?? '', /etag/);
  });

  test('CORS_ORIGINS narrows the origins a browser may call from to a list', async () => {
    const narrowed = await startTestApp({ CORS_ORIGINS: 'https://dash.example.com,http://localhost:5173' });
    try {
      const preflight = (origin: string) =>
        narrowed.app.inject({
          method: 'OPTIONS',
          url: '/healthz',
          headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
        });
      assert.equal((await preflight('https://dash.example.com')).headers['access-control-allow-origin'], 'https://dash.example.com');
      assert.equal((await preflight('http://localhost:5173')).headers['access-control-allow-origin'], 'http://localhost:5173');
      assert.equal((await preflight('https://elsewhere.example')).headers['access-control-allow-origin'], undefined);
    } finally {
      await narrowed.close();
    }
  });
});
