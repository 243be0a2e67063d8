import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { LOCAL_TENANT, sweepRequestSchema } from '@lab/contracts';
import { EventStream } from '../src/streams/event-stream.ts';
import { baseUrlOf, openStream } from './sse-client.ts';
import { StoredRuns, syntheticEpoch } from './stored-runs.ts';
import { startTestApp, type TestApp } from './test-app.ts';

/**
 * What dashboards use: versioned reads (ETag, 304 from memory), and the event streams, replayed from
 * Postgres and then live — on the instance that made the change and on another one.
 */
let first: TestApp;
let second: TestApp;
let runs: StoredRuns;
const http = () => request(first.app.server);

before(async () => {
  first = await startTestApp({ SSE_HEARTBEAT_MS: '200' });
  // A second API process on the same database: it hears of changes only through Postgres.
  second = await startTestApp({ DATABASE_URL: first.database.url, QUEUE_PREFIX: first.queuePrefix });
  await Promise.all([first.app.listen({ port: 0, host: '127.0.0.1' }), second.app.listen({ port: 0, host: '127.0.0.1' })]);
  await Promise.all([first.app.runEvents.whenListening(), second.app.runEvents.whenListening()]);
  runs = new StoredRuns(first.app);
});
after(async () => {
  runs.close();
  await second.app.close();
  await first.close();
});

describe('versioned reads', () => {
  test('an unchanged experiment answers 304 from memory; a change gives a new ETag at once', async () => {
    const id = await runs.submit();
    const fresh = await http().get(`/v1/experiments/${id}`).expect(200);
    assert.match(fresh.headers.etag ?? '', /^"x\d+"$/);
    assert.equal(fresh.headers['cache-control'], 'no-cache');
    const etag = fresh.headers.etag!;

    const missesBefore = first.app.cachedReads.stats.misses;
    for (let i = 0; i < 20; i++) {
      const polled = await http().get(`/v1/experiments/${id}`).set('if-none-match', etag).expect(304);
      assert.equal(polled.text, '');
      assert.equal(polled.headers.etag, etag);
    }
    assert.equal(first.app.cachedReads.stats.misses, missesBefore, 'no poll read Postgres');

    await runs.recordEpochs(id, [1]);
    const changed = await http().get(`/v1/experiments/${id}`).set('if-none-match', etag).expect(200);
    assert.notEqual(changed.headers.etag, etag);
    assert.equal(changed.body.progress.epoch, 1, 'the change is visible at once');
  });

  test('If-None-Match that names no current tag (garbage, unquoted, stale, empty) gets a normal 200; a list with it, W/ or * gets 304', async () => {
    const id = await runs.submit();
    const fresh = await http().get(`/v1/experiments/${id}`).expect(200);
    const etag = fresh.headers.etag!;
    for (const value of ['garbage', etag.slice(1, -1), '"x0"', '"x-1"', '', ',,,', 'W/', `${etag}x`]) {
      const response = await http().get(`/v1/experiments/${id}`).set('if-none-match', value).expect(200);
      assert.deepEqual(response.body, fresh.body, `If-None-Match: ${JSON.stringify(value)}`);
    }
    for (const value of [`"x0", ${etag}`, `W/${etag}`, '*']) {
      await http().get(`/v1/experiments/${id}`).set('if-none-match', value).expect(304);
    }
  });

  test('history: one ETag per version, the cursor slices, 304 while nothing new is stored', async () => {
    const id = await runs.submit({ lambda: 1e-4, epochs: 5 });
    await runs.recordEpochs(id, [1, 2, 3]);
    const all = await http().get(`/v1/experiments/${id}/history`).expect(200);
    assert.deepEqual(all.body.epochs, [syntheticEpoch(1), syntheticEpoch(2), syntheticEpoch(3)]);
    const after2 = await http().get(`/v1/experiments/${id}/history?afterEpoch=2`).expect(200);
    assert.deepEqual(after2.body, { experimentId: id, status: 'running', epochs: [syntheticEpoch(3)] });
    await http().get(`/v1/experiments/${id}/history?afterEpoch=2`).set('if-none-match', after2.headers.etag!).expect(304);
    await runs.recordEpochs(id, [4]);
    const newer = await http().get(`/v1/experiments/${id}/history?afterEpoch=2`).set('if-none-match', after2.headers.etag!).expect(200);
    assert.deepEqual(newer.body.epochs.map((epoch: { epoch: number }) => epoch.epoch), [3, 4]);
  });

  test('sweep summary and lists: 304 until a run of theirs changes', async () => {
    const request_ = sweepRequestSchema.parse({ lambdas: [0, 1e-4], base: { epochs: 2 } });
    const { id, created } = await first.app.engine.submitSweep({ ownerId: LOCAL_TENANT, request: request_ });
    const sweep = await http().get(`/v1/sweeps/${id}`).expect(200);
    await http().get(`/v1/sweeps/${id}`).set('if-none-match', sweep.headers.etag!).expect(304);
    const list = await http().get('/v1/experiments?limit=5').expect(200);
    await http().get('/v1/experiments?limit=5').set('if-none-match', list.headers.etag!).expect(304);

    await runs.recordEpochs(created[0]!.id, [1]);
    const changed = await http().get(`/v1/sweeps/${id}`).set('if-none-match', sweep.headers.etag!).expect(200);
    assert.equal(changed.body.rows[0].runs[0].progress.epoch, 1);
    const listAgain = await http().get('/v1/experiments?limit=5').set('if-none-match', list.headers.etag!).expect(200);
    assert.notEqual(listAgain.headers.etag, list.headers.etag);
  });

  test('another instance serves the change too, once Postgres has told it (within a second)', async () => {
    const id = await runs.submit();
    const before = await request(second.app.server).get(`/v1/experiments/${id}`).expect(200);
    await runs.recordEpochs(id, [1]);
    const deadline = Date.now() + 1_000;
    for (;;) {
      const response = await request(second.app.server).get(`/v1/experiments/${id}`).set('if-none-match', before.headers.etag!);
      if (response.status === 200) {
        assert.equal(response.body.progress.epoch, 1);
        break;
      }
      assert.ok(Date.now() < deadline, 'the second instance still answered 304 after a second');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  test("another tenant's id is not found, cached or not", async () => {
    const id = await runs.submit();
    await http().get(`/v1/experiments/${id}`).expect(200);
    assert.equal(await first.app.cachedReads.experiment('another-team', id), null);
  });
});

describe('event streams', () => {
  const experimentStream = (app: TestApp, id: string, query = '', headers: Record<string, string> = {}) =>
    openStream(`${baseUrlOf(app.app)}/v1/experiments/${id}/events${query}`, headers);

  test('replays what is stored, goes live without a gap or a repeat, and ends after the final status', async () => {
    const id = await runs.submit({ lambda: 1e-4, epochs: 4 });
    await runs.recordEpochs(id, [1, 2]);
    const stream = await experimentStream(first, id);
    assert.equal(stream.status, 200);
    assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
    const opening = await stream.waitForEvents(3);
    assert.deepEqual(
      opening.map((event) => [event.event, event.id]),
      [
        ['epoch', '1'],
        ['epoch', '2'],
        ['status', undefined],
      ],
    );
    assert.deepEqual(opening[0]!.data, syntheticEpoch(1));
    assert.deepEqual(opening[2]!.data, { experimentId: id, status: 'running', progress: { epoch: 2, epochs: 4 }, error: null });

    await runs.recordEpochs(id, [3, 4]);
    await runs.complete(id);
    await stream.ended;
    assert.deepEqual(
      stream.events.map((event) => [event.event, event.id ?? (event.data as { status: string }).status]),
      [
        ['epoch', '1'],
        ['epoch', '2'],
        ['status', 'running'],
        ['epoch', '3'],
        ['epoch', '4'],
        ['status', 'completed'],
      ],
    );
  });

  test('Last-Event-ID (or afterEpoch) resumes after that epoch; a finished run replays and ends', async () => {
    const id = await runs.submit({ lambda: 1e-4, epochs: 3 });
    await runs.recordEpochs(id, [1, 2, 3]);
    await runs.complete(id);
    const resumed = await experimentStream(first, id, '', { 'last-event-id': '1' });
    await resumed.ended;
    assert.deepEqual(resumed.events.map((event) => event.id ?? event.event), ['2', '3', 'status']);
    const fromQuery = await experimentStream(first, id, '?afterEpoch=2');
    await fromQuery.ended;
    assert.deepEqual(fromQuery.events.map((event) => event.id ?? event.event), ['3', 'status']);
  });

  test('a stream on another instance gets the epochs as they are stored, within a second', async () => {
    const id = await runs.submit({ lambda: 1e-4, epochs: 2 });
    await runs.attempt(id); // claimed: running
    const stream = await experimentStream(second, id);
    await stream.waitForEvents(1); // the opening status
    const stored = Date.now();
    await runs.recordEpochs(id, [1]);
    const [, epoch] = await stream.waitForEvents(2);
    assert.deepEqual([epoch?.event, epoch?.id], ['epoch', '1']);
    assert.ok(Date.now() - stored < 1_000, `${Date.now() - stored} ms`);
    stream.close();
  });

  test('a heartbeat comment keeps an idle stream alive', async () => {
    const id = await runs.submit();
    const stream = await experimentStream(first, id);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(stream.comments.includes('heartbeat'), JSON.stringify(stream.comments));
    stream.close();
  });

  test("a sweep's stream numbers its epochs across runs and ends when every run has", async () => {
    const request_ = sweepRequestSchema.parse({ lambdas: [0, 1e-4], base: { epochs: 1 } });
    const { id, created } = await first.app.engine.submitSweep({ ownerId: LOCAL_TENANT, request: request_ });
    const [a, b] = created.map((run) => run.id) as [string, string];
    await runs.recordEpochs(a, [1]);
    const stream = await openStream(`${baseUrlOf(first.app)}/v1/sweeps/${id}/events`);
    const [replayed, opening] = await stream.waitForEvents(2);
    assert.deepEqual([replayed?.event, replayed?.id, (replayed?.data as { experimentId: string }).experimentId], ['epoch', '1', a]);
    assert.deepEqual(opening?.data, {
      sweepId: id,
      status: 'running',
      progress: { done: 0, total: 2, byStatus: { queued: 1, running: 1, completed: 0, failed: 0, cancelled: 0, pruned: 0 } },
      run: null,
    });
    await runs.recordEpochs(b, [1]);
    await runs.complete(a);
    await runs.complete(b);
    await stream.ended;
    const rest = stream.events.slice(2).map((event) => event.id ?? `${(event.data as { status: string }).status}`);
    // b's claim (running), b's epoch (seq 2), a completed, b completed: the sweep's final status ends it.
    assert.deepEqual(rest, ['running', '2', 'running', 'completed']);
    assert.deepEqual((stream.events.at(-1)?.data as { run: unknown }).run, { experimentId: b, status: 'completed' });
  });

  test('bad cursors are 400 naming the field; unknown and other tenants’ ids 404', async () => {
    const id = await runs.submit();
    const badHeader = await http().get(`/v1/experiments/${id}/events`).set('last-event-id', 'x').expect(400);
    assert.equal(badHeader.body.error.details[0].path, 'headers.last-event-id');
    const badQuery = await http().get(`/v1/sweeps/${randomUUID()}/events?afterSeq=-1`).expect(400);
    assert.equal(badQuery.body.error.details[0].path, 'query.afterSeq');
    await http().get(`/v1/experiments/${randomUUID()}/events`).expect(404);
    await http().get(`/v1/sweeps/${randomUUID()}/events`).expect(404);
  });
});

test('a client that stops reading is cut off once its unread bytes pass the bound', async () => {
  const maxBufferedBytes = 64 * 1024;
  let stream: EventStream | undefined;
  let response: ServerResponse | undefined;
  const server = createServer((_, res) => {
    response = res;
    stream = new EventStream(res, { heartbeatMs: 60_000, maxBufferedBytes, retryMs: 1_000 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const client = httpRequest({ host: '127.0.0.1', port, path: '/' });
    client.on('response', (incoming) => incoming.pause()); // reads nothing
    client.on('error', () => {});
    client.end();
    while (stream === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    const frame = 'x'.repeat(16 * 1024);
    let sent = 0;
    let mostBuffered = 0;
    while (stream.isOpen && sent < 100_000) {
      stream.send('epoch', frame, sent++);
      mostBuffered = Math.max(mostBuffered, response!.writableLength);
      if (sent % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(stream.isOpen, false, 'the slow client was cut off');
    assert.ok(mostBuffered <= maxBufferedBytes + frame.length + 100, `buffered at most ${mostBuffered} bytes`);
    client.destroy();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a replay larger than the bound reaches a client that reads, paced by it, whole and in order', async () => {
  const maxBufferedBytes = 64 * 1024;
  const frames = 200;
  const frame = 'y'.repeat(16 * 1024);
  const server = createServer((_, res) => {
    const stream = new EventStream(res, { heartbeatMs: 60_000, maxBufferedBytes, retryMs: 1_000 });
    void (async () => {
      for (let id = 1; id <= frames; id++) {
        await stream.paced();
        stream.send('epoch', frame, id);
      }
      stream.close();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const reader = await openStream(`http://127.0.0.1:${port}/`);
    await reader.ended;
    assert.equal(reader.events.length, frames, `${frames * frame.length} bytes in all, ${maxBufferedBytes} allowed unread`);
    assert.deepEqual(reader.events.map((event) => Number(event.id)), Array.from({ length: frames }, (_, i) => i + 1));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
