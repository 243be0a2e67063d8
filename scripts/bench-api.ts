// `npm run bench:api`: what a dashboard's polling and watching cost. The API runs as its own process
// (as in production) on a fresh database holding a completed 40-epoch run, an 8-run × 40-epoch sweep
// and a running run; autocannon, in this process, loads each read with 50 connections, and `/healthz`
// of the same API, measured just before each read, is the baseline every figure is divided by (these
// machines are shared and noisy). Then 1 000 event streams are held open on the running run: their
// memory, and how long a stored epoch takes to reach every one of them. Writes docs/benchmarks-api.json
// and the API section of docs/benchmarks.md.
//   npm run bench:api -- [--seconds 8] [--connections 50] [--streams 1000]
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { experimentSpecSchema, LOCAL_TENANT, sweepRequestSchema, type EpochMetrics } from '@lab/contracts';
import { createDb, createTestDatabase } from '@lab/db';
import { RunEngine, TrainingQueue, type Attempt, type Log } from '@lab/runs';
import { writeDocSection } from './bench/doc-sections.ts';
import { ensureServices } from './services.ts';
import { findFreePort } from './services/free-port.ts';
import { startStack, waitUntilReady } from './stack.ts';

const { values: options } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    streams: { type: 'string', default: '1000' },
    epochs: { type: 'string', default: '5', description: 'epochs stored while the streams are open (latency samples)' },
  },
});
const SECONDS = Number(options.seconds);
const CONNECTIONS = Number(options.connections);
const STREAMS = Number(options.streams);
const LIVE_EPOCHS = Number(options.epochs);
const EPOCHS = 40;
const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };

const epoch = (n: number, lambda: number): EpochMetrics => ({
  epoch: n,
  loss: 1 / n + lambda,
  accuracy: 0.8 + n / 500,
  crossEntropy: 0.9 / n,
  penalty: 0.1 / n + lambda,
  valLoss: 1.1 / n,
  valAccuracy: 0.78 + n / 600 - lambda,
  valCrossEntropy: 1 / n,
  valPenalty: 0.1 / n,
  durationMs: 2000 + n,
});
const noCheckpoint = (n: number) => ({ epoch: n, weights: { specs: [], data: new Uint8Array(0) }, optimizer: { specs: [], data: new Uint8Array(0) } });

/** Stores a run's first 40 epochs through the real engine, as a worker would; completes it unless told to keep it running. */
async function trainOnPaper(engine: RunEngine, id: string, lambda: number, keepRunning = false): Promise<Attempt | null> {
  const claim = await engine.claim(id, 'bench');
  if (claim.outcome !== 'claimed') throw new Error(`could not claim ${id}: ${claim.outcome}`);
  for (let n = 1; n <= EPOCHS; n++) await claim.attempt.recordEpoch(epoch(n, lambda), noCheckpoint(n));
  if (keepRunning) return claim.attempt;
  const split = { loss: 0.4, accuracy: 0.88, crossEntropy: 0.35, penalty: 0.05, examples: 10_000 };
  await claim.attempt.complete({
    evaluation: { train: split, test: split, confusionMatrix: [], perClassAccuracy: [], evaluationBatchSize: 32 },
    predictions: [],
    model: { topology: {}, weightSpecs: [], weightData: new Uint8Array(0) },
  });
  return null;
}

interface Load {
  name: string;
  path: string;
  requestsPerSecond: number;
  p99Ms: number;
  /** Of the answers to a conditional request, the share that were 304. */
  notModifiedShare: number | null;
  errors: number;
}

async function load(baseUrl: string, name: string, path: string, etag?: string): Promise<Load> {
  const headers = etag === undefined ? {} : { 'if-none-match': etag };
  const result = await autocannon({ url: `${baseUrl}${path}`, connections: CONNECTIONS, duration: SECONDS, headers });
  const notModified = result.statusCodeStats?.['304']?.count ?? 0;
  const answered = result.requests.total;
  return {
    name,
    path,
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    notModifiedShare: etag === undefined ? null : notModified / answered,
    errors: result.errors + result.non2xx - notModified,
  };
}

/** VmRSS of a process, in MiB. */
const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

/** An open event stream that notes when each epoch event arrived. */
interface WatchingClient {
  request: ClientRequest;
  arrivals: Map<number, number>;
}

/** Opens `count` event streams; resolves once each has received its replay and opening status. */
async function openStreams(baseUrl: string, path: string, count: number, replayed: number): Promise<WatchingClient[]> {
  const url = new URL(`${baseUrl}${path}`);
  const opened: Promise<WatchingClient>[] = [];
  for (let i = 0; i < count; i++) {
    opened.push(
      new Promise((resolve, reject) => {
        const arrivals = new Map<number, number>();
        const request = httpRequest({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers: { accept: 'text/event-stream' }, agent: false });
        request.on('response', (response) => {
          if (response.statusCode !== 200) reject(new Error(`stream answered ${response.statusCode}`));
          let pending = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            const now = performance.now();
            pending += chunk;
            for (const match of pending.matchAll(/^id: (\d+)$/gm)) if (!arrivals.has(Number(match[1]))) arrivals.set(Number(match[1]), now);
            pending = pending.slice(pending.lastIndexOf('\n\n') + 2);
            if (arrivals.size >= replayed) resolve({ request, arrivals });
          });
        });
        request.on('error', reject);
        request.end();
      }),
    );
  }
  return Promise.all(opened);
}

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

const services = await ensureServices({ database: 'local-if-unset' });
const database = await createTestDatabase(services.databaseUrl);
const queuePrefix = `lab-bench-api-${randomBytes(4).toString('hex')}`;
const db = createDb(database.url);
const queue = new TrainingQueue({ redisUrl: services.redisUrl, prefix: queuePrefix, log: quiet });
const engine = new RunEngine({ db, queue, log: quiet });
const port = await findFreePort();
const stack = startStack({
  // The rate limit is on (its Redis round trip is part of every /v1 read measured), just high enough not to refuse the load.
  env: { ...process.env, DATABASE_URL: database.url, REDIS_URL: services.redisUrl, QUEUE_PREFIX: queuePrefix, LOG_LEVEL: 'warn', AUTH: 'disabled', RATE_LIMIT_MAX: '10000000' },
  port,
  workers: 0,
});
const loadBefore = loadavg()[0]!;
try {
  await waitUntilReady(stack);
  const experiment = await engine.submitExperiment({ ownerId: LOCAL_TENANT, spec: experimentSpecSchema.parse({ lambda: 1e-5, epochs: EPOCHS }) });
  await trainOnPaper(engine, experiment.id, 1e-5);
  const sweepRequest = sweepRequestSchema.parse({ lambdas: [0, 1e-6, 1e-5, 1e-4], seeds: [1, 2], base: { epochs: EPOCHS } });
  const sweep = await engine.submitSweep({ ownerId: LOCAL_TENANT, request: sweepRequest });
  for (const [index, run] of sweep.created.entries()) await trainOnPaper(engine, run.id, (index % 4) * 1e-6);
  const live = await engine.submitExperiment({ ownerId: LOCAL_TENANT, spec: experimentSpecSchema.parse({ lambda: 0, epochs: EPOCHS + LIVE_EPOCHS }) });
  const liveAttempt = (await trainOnPaper(engine, live.id, 0, true))!;

  const etagOf = async (path: string) => (await fetch(`${stack.baseUrl}${path}`)).headers.get('etag') ?? undefined;
  const reads = [
    ['experiment', `/v1/experiments/${experiment.id}`],
    ['history (40 epochs)', `/v1/experiments/${experiment.id}/history`],
    ['history after epoch 39 (what a poller asks)', `/v1/experiments/${experiment.id}/history?afterEpoch=39`],
    ['sweep summary (8 runs × 40 epochs)', `/v1/sweeps/${sweep.id}`],
    ['experiments list', '/v1/experiments?limit=20'],
  ] as const;
  const results: (Load & { ratioToHealthz: number })[] = [];
  // Each read right after its own baseline, so that a noisy neighbour hits both alike.
  for (const [name, path] of reads) {
    const baseline = await load(stack.baseUrl, 'healthz (baseline)', '/healthz');
    results.push({ ...baseline, ratioToHealthz: 1 });
    for (const measured of [await load(stack.baseUrl, name, path), await load(stack.baseUrl, `${name}, unchanged, If-None-Match`, path, await etagOf(path))]) {
      results.push({ ...measured, ratioToHealthz: measured.requestsPerSecond / baseline.requestsPerSecond });
    }
  }

  // 1 000 dashboards watching one running run.
  const pid = stack.processes[0]!.pid!;
  const rssBefore = rssMiB(pid);
  const opening = performance.now();
  const clients = await openStreams(stack.baseUrl, `/v1/experiments/${live.id}/events`, STREAMS, EPOCHS);
  const openSeconds = (performance.now() - opening) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const rssWithStreams = rssMiB(pid);
  const latencies: number[] = [];
  for (let n = EPOCHS + 1; n <= EPOCHS + LIVE_EPOCHS; n++) {
    await liveAttempt.recordEpoch(epoch(n, 0), noCheckpoint(n));
    const committed = performance.now();
    const deadline = committed + 10_000;
    while (clients.some((client) => !client.arrivals.has(n)) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    for (const client of clients) latencies.push((client.arrivals.get(n) ?? Number.POSITIVE_INFINITY) - committed);
  }
  liveAttempt.end();
  for (const client of clients) client.request.destroy();
  const delivered = latencies.filter(Number.isFinite).length;
  const streams = {
    streams: STREAMS,
    openSeconds,
    apiRssBeforeMiB: rssBefore,
    apiRssWithStreamsMiB: rssWithStreams,
    perStreamKiB: ((rssWithStreams - rssBefore) * 1024) / STREAMS,
    epochsStored: LIVE_EPOCHS,
    deliveries: latencies.length,
    delivered,
    latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: Math.max(...latencies) },
  };

  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const table = [
    '| read | req/s | p99 | × /healthz | 304s of conditional answers | errors |',
    '|---|---:|---:|---:|---:|---:|',
    ...results.map(
      (row) =>
        `| ${row.name} | ${row.requestsPerSecond.toFixed(0)} | ${row.p99Ms} ms | ${row.name.startsWith('healthz') ? '1' : row.ratioToHealthz.toFixed(2)} | ${row.notModifiedShare === null ? '' : `${(row.notModifiedShare * 100).toFixed(1)} %`} | ${row.errors} |`,
    ),
  ].join('\n');
  const section = `## The API under a dashboard's load

Generated by \`npm run bench:api\` (scripts/bench-api.ts) on ${date} UTC; 1-minute load average ${loadBefore.toFixed(1)} before it ran. The API is its own process on a fresh database (a completed 40-epoch run, an 8-run × 40-epoch sweep, a running run); autocannon, in the bench's process on the same 2 cores, sends ${CONNECTIONS} connections for ${SECONDS} s per row, and each read is divided by the same API's \`/healthz\` measured just before it. \`/v1\` reads pay for the API key check and the per-key rate limit's Redis round trip; \`/healthz\` does not. How the reads are made cheap: [read-performance.md](read-performance.md).

${table}

**${STREAMS} event streams** on the running run (each replayed its ${EPOCHS} epochs, then stayed open) opened in ${openSeconds.toFixed(1)} s; the API's resident memory went from ${rssBefore.toFixed(0)} MiB to ${rssWithStreams.toFixed(0)} MiB (${streams.perStreamKiB.toFixed(1)} KiB per open stream). Then ${LIVE_EPOCHS} epochs were stored through the engine: ${delivered} of ${latencies.length} deliveries arrived, from the commit to the client ${streams.latencyMs.p50.toFixed(1)} ms at the median, ${streams.latencyMs.p99.toFixed(1)} ms at p99, ${streams.latencyMs.max.toFixed(1)} ms at most.`;
  console.log(`\n${section}\n`);
  writeFileSync('docs/benchmarks-api.json', `${JSON.stringify({ date, loadBefore, connections: CONNECTIONS, seconds: SECONDS, reads: results, eventStreams: streams }, null, 2)}\n`);
  writeDocSection('docs/benchmarks.md', 'bench:api', section);
} finally {
  await stack.stop();
  await queue.queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  await db.close();
  await database.drop();
  await services.stop();
}
