import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import request from 'supertest';
import { buildApp, loadApiConfig } from '@lab/api';
import { startStack, type Stack } from '../../../tests/system/harness.ts';
import { launchBrowser, type Browser } from './browser.ts';
import { buildPage } from './build-page.ts';

/** A tiny but real run on the real dataset: about a second per epoch on two cores. */
const TINY = { batchSize: 100, hiddenLayers: [64, 32], trainLimit: 3000, testLimit: 500, seed: 1 } as const;

const LOSS_CHART = '[data-chart="Loss: training vs validation"]';

async function listen(app: Stack['app']): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/**
 * Reads the chart's `data-points` every 20 ms (an epoch takes about a second) until the page shows the
 * run completed; returns every value read, in order.
 */
async function sampleUntilCompleted(page: Page, chart: Locator): Promise<number[]> {
  const seen: number[] = [];
  const completed = page.locator('.experiment > .state [data-status="completed"]');
  const deadline = Date.now() + 120_000;
  while ((await completed.count()) === 0) {
    if (Date.now() > deadline) throw new Error(`the run did not complete in the page; points seen: ${seen.join(', ')}`);
    const points = await chart.getAttribute('data-points', { timeout: 1000 }).catch(() => null);
    if (points !== null) seen.push(Number(points));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return seen;
}

/** The path of every request the page makes from now on, in order. */
function requestedPaths(page: Page): string[] {
  const paths: string[] = [];
  page.on('request', (request) => paths.push(new URL(request.url()).pathname));
  return paths;
}

/** Types into the form's fields by name; other fields stay empty (the API's defaults). */
async function fill(page: Page, form: string, values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) await page.fill(`${form} input[name="${name}"]`, value);
}

describe('dashboard in a real browser, on the real API and a real worker', () => {
  let stack: Stack;
  let browser: Browser;
  let base: string;
  before(async () => {
    buildPage();
    stack = await startStack();
    stack.startWorker();
    base = await listen(stack.app);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });
  const api = () => request(stack.app.server);

  it('shows the API’s per-field errors on the experiment form and creates nothing', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/#/experiments/new`);
    const typed = { lambda: '-1', epochs: '2.5', hiddenLayers: '64, 0', trainLimit: 'lots' };
    await fill(page, '#experiment-form', typed);
    await page.click('#experiment-form button[type="submit"]');
    await page.waitForSelector('[data-error-for="lambda"]');

    // The same body, straight to the API: the page must show these very messages on these fields.
    const { body } = await api()
      .post('/v1/experiments')
      .send({ lambda: -1, epochs: 2.5, hiddenLayers: [64, 0], trainLimit: 'lots' })
      .expect(400);
    const expected = new Map<string, string[]>();
    for (const detail of body.error.details as { path: string; message: string }[]) {
      const field = detail.path.replace(/^body\./, '').replace(/\[\d+\]$/, '');
      expected.set(field, [...(expected.get(field) ?? []), detail.message]);
    }
    assert.deepEqual([...expected.keys()].sort(), Object.keys(typed).sort());
    for (const [field, messages] of expected) {
      assert.equal(await page.textContent(`[data-error-for="${field}"]`), messages.join('; '), field);
      assert.equal(await page.getAttribute(`input[name="${field}"]`, 'aria-invalid'), 'true');
    }
    assert.equal(await page.locator('[data-error-for="learningRate"]').count(), 0, 'a valid field shows no error');
    assert.equal((await api().get('/v1/experiments').expect(200)).body.total, 0);
    await page.close();
  });

  it('submits an experiment through the form and draws its plots live as the worker stores epochs', async () => {
    const epochs = 5;
    const page = await browser.newPage();
    await page.goto(`${base}/#/experiments/new`);
    await fill(page, '#experiment-form', {
      name: 'browser live',
      lambda: '1e-4',
      epochs: String(epochs),
      batchSize: String(TINY.batchSize),
      hiddenLayers: TINY.hiddenLayers.join(', '),
      trainLimit: String(TINY.trainLimit),
      testLimit: String(TINY.testLimit),
      seed: String(TINY.seed),
    });
    const requested = requestedPaths(page);
    await page.click('#experiment-form button[type="submit"]');
    await page.waitForURL(/#\/experiments\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop()!;
    // Every number of points the loss chart shows, in order, until the run completes.
    const seen = await sampleUntilCompleted(page, page.locator(LOSS_CHART));
    const { body: stored } = await api().get(`/v1/experiments/${id}`).expect(200);
    assert.equal(stored.name, 'browser live');
    assert.deepEqual(stored.spec.hiddenLayers, TINY.hiddenLayers);
    assert.equal(stored.status, 'completed');

    await page.waitForSelector(`${LOSS_CHART}[data-points="${epochs}"]`);
    seen.push(Number(await page.getAttribute(LOSS_CHART, 'data-points')));
    const distinct = seen.filter((value, index) => value !== seen[index - 1]);
    assert.equal(distinct.at(-1), epochs);
    assert.ok(distinct.every((value, index) => index === 0 || value > distinct[index - 1]!), `points only grow: ${distinct.join(' → ')}`);
    assert.ok(distinct.some((value) => value > 0 && value < epochs), `the chart showed a partial run before the whole one: ${distinct.join(' → ')}`);
    // The epochs came over the event stream, opened once and closed after the final status (a stream
    // left open would make the browser reconnect); the history was never polled.
    assert.deepEqual(requested.filter((path) => path.includes('/events')), [`/v1/experiments/${id}/events`]);
    assert.deepEqual(requested.filter((path) => path.includes('/history')), []);
    for (const chart of ['Accuracy: training vs validation', 'Cross-entropy vs activity penalty']) {
      assert.equal(await page.getAttribute(`[data-chart="${chart}"]`, 'data-points'), String(epochs), chart);
    }

    // The evaluation and the stored predictions, as the API has them.
    const { body: evaluation } = await api().get(`/v1/experiments/${id}/evaluation`).expect(200);
    await page.waitForSelector('table.confusion');
    assert.equal(await page.getAttribute('table.confusion', 'data-total'), String(TINY.testLimit));
    const testRow = await page.textContent('table.evaluation tr[data-split="test"]');
    assert.ok(testRow?.includes(`${(evaluation.test.accuracy * 100).toFixed(2)} %`), `test accuracy shown: ${testRow}`);
    await page.waitForSelector('.predictions table');
    assert.equal(await page.getAttribute('.predictions table', 'data-rows'), '50');

    // The list shows the run finished, with its progress and accuracies.
    await page.goto(`${base}/#/experiments`);
    const row = page.locator(`#experiments tr[data-id="${id}"]`);
    await row.locator('[data-status="completed"]').waitFor();
    assert.equal(await row.locator('.progress').getAttribute('data-done'), String(epochs));
    assert.ok((await row.textContent())?.includes(`${(evaluation.test.accuracy * 100).toFixed(2)} %`));
    await page.close();
  });

  it('cancels a running experiment from its view', async () => {
    const created = await api()
      .post('/v1/experiments')
      .send({ ...TINY, lambda: 1e-5, epochs: 200 })
      .expect(202);
    const id = created.body.id as string;
    const page = await browser.newPage();
    await page.goto(`${base}/#/experiments/${id}`);
    await page.waitForSelector('[data-status="running"]', { timeout: 60_000 });
    await page.click('button:has-text("Cancel experiment")');
    await page.waitForSelector('[data-status="cancelled"]');
    const { body } = await api().get(`/v1/experiments/${id}`).expect(200);
    assert.equal(body.status, 'cancelled');
    assert.equal(await page.locator('button:has-text("Cancel experiment")').count(), 0, 'no cancel button on a finished run');
    await page.close();
  });

  it('shows the sweep form’s errors, then a submitted sweep’s table, plot and answer', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/#/sweeps/new`);
    await fill(page, '#sweep-form', { lambdas: '0, 1e-3', seeds: '1, 1', 'base.epochs': '0' });
    await page.click('#sweep-form button[type="submit"]');
    await page.waitForSelector('[data-error-for="seeds"]');
    const { body: invalid } = await api()
      .post('/v1/sweeps')
      .send({ lambdas: [0, 1e-3], seeds: [1, 1], base: { epochs: 0 } })
      .expect(400);
    const messageFor = (path: string) => (invalid.error.details as { path: string; message: string }[]).find((detail) => detail.path === path)?.message;
    assert.equal(await page.textContent('[data-error-for="seeds"]'), messageFor('body.seeds'));
    assert.equal(await page.textContent('[data-error-for="base.epochs"]'), messageFor('body.base.epochs'));

    await fill(page, '#sweep-form', {
      name: 'browser sweep',
      seeds: '',
      'base.epochs': '2',
      'base.batchSize': String(TINY.batchSize),
      'base.hiddenLayers': TINY.hiddenLayers.join(' '),
      'base.trainLimit': '1000',
      'base.testLimit': String(TINY.testLimit),
      'base.seed': '7',
    });
    const requested = requestedPaths(page);
    await page.click('#sweep-form button[type="submit"]');
    await page.waitForURL(/#\/sweeps\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop()!;
    await page.waitForSelector('#sweep-table tbody tr');
    assert.deepEqual(await page.locator('#sweep-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-lambda'))), ['0', '0.001']);

    await page.waitForSelector('.sweep [data-status="completed"]', { timeout: 120_000 });
    const { body: sweep } = await api().get(`/v1/sweeps/${id}`).expect(200);
    assert.equal(sweep.status, 'completed');
    for (const row of sweep.rows as { lambda: number; summary: { finalValAccuracy: { mean: number } } }[]) {
      const text = await page.textContent(`#sweep-table tr[data-lambda="${row.lambda}"]`);
      assert.ok(text?.includes(`${(row.summary.finalValAccuracy.mean * 100).toFixed(2)} %`), `λ = ${row.lambda}: ${text}`);
    }
    assert.deepEqual(requested.filter((path) => path.includes('/events')), [`/v1/sweeps/${id}/events`], 'followed over its event stream');
    assert.ok(sweep.answer?.text, 'a finished two-λ sweep has an answer');
    await page.waitForSelector('#answer');
    assert.ok((await page.textContent('#answer'))?.includes(sweep.answer.text));
    // The plot is an image of the API's SVG: it must decode (a broken or empty SVG would not).
    const width = await page.locator('.sweep-plot img').evaluate(async (image) => {
      const loaded = image as unknown as { decode(): Promise<void>; naturalWidth: number };
      await loaded.decode();
      return loaded.naturalWidth;
    });
    assert.ok(width > 0);
    await page.close();
  });

  it('cancels a sweep from its view', async () => {
    const created = await api()
      .post('/v1/sweeps')
      .send({ lambdas: [0, 1e-4, 1e-3], base: { ...TINY, epochs: 200 } })
      .expect(202);
    const id = created.body.id as string;
    const page = await browser.newPage();
    await page.goto(`${base}/#/sweeps/${id}`);
    await page.click('button:has-text("Cancel sweep")');
    await page.waitForSelector('.sweep > .state [data-status="cancelled"]');
    const { body } = await api().get(`/v1/sweeps/${id}`).expect(200);
    assert.equal(body.status, 'cancelled');
    assert.equal(await page.locator('#sweep-table tr[data-lambda] .run.status-cancelled').count(), 3);
    await page.close();
  });

  it('says so when the API cannot be reached, instead of going blank', async () => {
    // A second API instance on the same database serves the page, then goes away under it.
    const second = buildApp(loadApiConfig(stack.env));
    const secondBase = await listen(second);
    const page = await browser.newPage();
    await page.goto(`${secondBase}/#/experiments`);
    await page.waitForSelector('#experiments');
    await second.close();
    await page.waitForSelector('.error-banner[data-code="unreachable"]', { timeout: 10_000 });
    assert.ok(await page.isVisible('#experiments'), 'what was loaded stays on the page');
    await page.close();
  });

  it('with API keys required, asks for one, then reads, submits and streams with it', async () => {
    // An instance that checks keys (the default), on the same database and worker queue.
    const authed = buildApp(loadApiConfig({ ...stack.env, AUTH: 'enabled' }));
    const authedBase = await listen(authed);
    try {
      const { key } = await authed.apiKeys.create({ scope: 'tenant', tenantId: 'dashboard-test' });
      const page = await browser.newPage();
      await page.goto(`${authedBase}/#/experiments`);
      await page.waitForSelector('.error-banner[data-code="unauthorized"]');

      const sent: { path: string; authorization: string | undefined; token: string | null }[] = [];
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname.startsWith('/v1/')) sent.push({ path: url.pathname, authorization: request.headers().authorization, token: url.searchParams.get('access_token') });
      });
      await page.fill('.api-key input[name="api-key"]', key);
      await page.click('.api-key button[type="submit"]');
      await page.waitForSelector('text=No experiments yet.');

      await page.goto(`${authedBase}/#/experiments/new`);
      await fill(page, '#experiment-form', { lambda: '1e-4', epochs: '2', batchSize: '100', hiddenLayers: '32', trainLimit: '1000', testLimit: '200' });
      await page.click('#experiment-form button[type="submit"]');
      await page.waitForURL(/#\/experiments\/[0-9a-f-]{36}$/);
      const id = page.url().split('/').pop()!;
      await page.waitForSelector('.experiment > .state [data-status="completed"]', { timeout: 120_000 });
      await page.waitForSelector(`${LOSS_CHART}[data-points="2"]`);

      const stream = sent.filter((request) => request.path === `/v1/experiments/${id}/events`);
      assert.deepEqual(stream.map((request) => request.token), [key], 'the stream carries the key as access_token');
      const reads = sent.filter((request) => !request.path.endsWith('/events'));
      assert.ok(reads.length >= 3, 'the list, the submission and the run were read');
      assert.deepEqual([...new Set(reads.map((request) => request.authorization))], [`Bearer ${key}`], 'every request carries the key');
      // Submitted as the key's tenant: the run is that tenant's.
      await request(authed.server).get(`/v1/experiments/${id}`).set('authorization', `Bearer ${key}`).expect(200);
      await page.close();
    } finally {
      await authed.close();
    }
  });

  it('raised no error in the page', () => {
    assert.deepEqual(browser.pageErrors, []);
  });
});
