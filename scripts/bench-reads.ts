// `npm run bench:reads`: what a dashboard's polling costs. The API runs as its own process (as in
// production) on a fresh database holding a completed 40-epoch run and an 8-run × 40-epoch sweep;
// autocannon, in this process, loads each read with 50 connections, and `/healthz` of the same API
// in the same run is the baseline every figure is divided by (these machines are shared and noisy).
// Then 1 000 event streams are held open against one API process to measure what they cost.
//   npm run bench:reads -- [--seconds 8] [--connections 50] [--streams 1000]
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { experimentSpecSchema, LOCAL_TENANT, sweepRequestSchema, type EpochMetrics } from '@lab/contracts';
import { createDb, createTestDatabase } from '@lab/db';
import { RunEngine, TrainingQueue, type Log } from '@lab/runs';
import { ensureServices } from './services.ts';
import { findFreePort } from './services/free-port.ts';
import { startStack, waitUntilReady } from './stack.ts';

const { values: options } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    streams: { type: 'string', default: '1000' },
    out: { type: 'string', default: 'docs/read-performance.json' },
  },
});
const SECONDS = Number(options.seconds);
const CONNECTIONS = Number(options.connections);
const STREAMS = Number(options.streams);
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

/** Stores a run's 40 epochs through the real engine, as a worker would (completed unless `running`). */
async function trainOnPaper(engine: RunEngine, id: string, lambda: number, running = false): Promise<void> {
  const claim = await engine.claim(id, 'bench');
  if (claim.outcome !== 'claimed') throw new Error(`could not claim ${id}: ${claim.outcome}`);
  for (let n = 1; n <= EPOCHS; n++) await claim.attempt.recordEpoch(epoch(n, lambda), noCheckpoint(n));
  if (running) return claim.attempt.end();
  const split = { loss: 0.4, accuracy: 0.88, crossEntropy: 0.35, penalty: 0.05, examples: 10_000 };
  await claim.attempt.complete({
    evaluation: { train: split, test: split, confusionMatrix: [], perClassAccuracy: [], evaluationBatchSize: 32 },
    predictions: [],
    model: { topology: {}, weightSpecs: [], weightData: new Uint8Array(0) },
  });
}

interface Load {
  name: string;
  path: string;
  requestsPerSecond: number;
  p99Ms: number;
  non2xx: number;
}

async function load(baseUrl: string, name: string, path: string, headers: Record<string, string> = {}): Promise<Load> {
  const result = await autocannon({ url: `${baseUrl}${path}`, connections: CONNECTIONS, duration: SECONDS, headers });
  const non2xx = result.non2xx - (headers['if-none-match'] === undefined ? 0 : (result.statusCodeStats?.['304']?.count ?? 0));
  return { name, path, requestsPerSecond: result.requests.average, p99Ms: result.latency.p99, non2xx };
}

/** VmRSS of a process, in MiB. */
const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

/** Opens `count` event streams and resolves once each has received its first bytes. */
async function openStreams(baseUrl: string, path: string, count: number): Promise<ClientRequest[]> {
  const url = new URL(`${baseUrl}${path}`);
  const opened: Promise<ClientRequest>[] = [];
  for (let i = 0; i < count; i++) {
    opened.push(
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, headers: { accept: 'text/event-stream' }, agent: false });
        req.on('response', (response) => {
          if (response.statusCode !== 200) reject(new Error(`stream answered ${response.statusCode}`));
          response.once('data', () => resolve(req));
          response.resume();
        });
        req.on('error', reject);
        req.end();
      }),
    );
  }
  return Promise.all(opened);
}

const services = await ensureServices({ database: 'local-if-unset' });
const database = await createTestDatabase(services.databaseUrl);
const queuePrefix = `lab-bench-reads-${randomBytes(4).toString('hex')}`;
const db = createDb(database.url);
const queue = new TrainingQueue({ redisUrl: services.redisUrl, prefix: queuePrefix, log: quiet });
const engine = new RunEngine({ prisma: db.prisma, queue, log: quiet });
const port = await findFreePort();
const stack = startStack({
  env: { ...process.env, DATABASE_URL: database.url, REDIS_URL: services.redisUrl, QUEUE_PREFIX: queuePrefix, LOG_LEVEL: 'warn', AUTH: 'disabled', RATE_LIMIT_MAX: '10000000' },
  port,
  workers: 0,
});
try {
  await waitUntilReady(stack);
  const experiment = await engine.submitExperiment({ ownerId: LOCAL_TENANT, spec: experimentSpecSchema.parse({ lambda: 1e-5, epochs: EPOCHS }) });
  await trainOnPaper(engine, experiment.id, 1e-5);
  const sweepRequest = sweepRequestSchema.parse({ lambdas: [0, 1e-6, 1e-5, 1e-4], seeds: [1, 2], base: { epochs: EPOCHS } });
  const sweep = await engine.submitSweep({ ownerId: LOCAL_TENANT, request: sweepRequest });
  for (const [index, run] of sweep.created.entries()) await trainOnPaper(engine, run.id, sweepRequest.seeds![index % 2]! * 1e-6);
  const live = await engine.submitExperiment({ ownerId: LOCAL_TENANT, spec: experimentSpecSchema.parse({ lambda: 0, epochs: EPOCHS + 10 }) });
  await trainOnPaper(engine, live.id, 0, true);

  const etagOf = async (path: string) => (await fetch(`${stack.baseUrl}${path}`)).headers.get('etag');
  const reads = [
    ['experiment', `/v1/experiments/${experiment.id}`],
    ['history (40 epochs)', `/v1/experiments/${experiment.id}/history`],
    ['history after epoch 39', `/v1/experiments/${experiment.id}/history?afterEpoch=39`],
    ['sweep summary (8 runs × 40 epochs)', `/v1/sweeps/${sweep.id}`],
    ['experiments list', '/v1/experiments?limit=20'],
  ] as const;
  const results: Load[] = [];
  // Interleaved with the baseline, so that a noisy neighbour hits both alike.
  for (const [name, path] of reads) {
    results.push(await load(stack.baseUrl, 'healthz (baseline)', '/healthz'));
    results.push(await load(stack.baseUrl, name, path));
    const etag = await etagOf(path);
    if (etag !== null) results.push(await load(stack.baseUrl, `${name}, If-None-Match → 304`, path, { 'if-none-match': etag }));
  }

  const pid = stack.processes[0]!.pid!;
  const before = rssMiB(pid);
  const started = performance.now();
  const streams = await openStreams(stack.baseUrl, `/v1/experiments/${live.id}/events?afterEpoch=0`, STREAMS);
  const openMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const withStreams = rssMiB(pid);
  for (const stream of streams) stream.destroy();

  const baseline = (index: number) => results.slice(0, index).findLast((entry) => entry.name === 'healthz (baseline)')!.requestsPerSecond;
  const rows = results.map((entry, index) => ({ ...entry, ratioToHealthz: entry.name.startsWith('healthz') ? 1 : entry.requestsPerSecond / baseline(index) }));
  console.log(`\n${CONNECTIONS} connections, ${SECONDS} s each, autocannon in a separate process from the API\n`);
  console.log('| read | req/s | p99 ms | × /healthz | non-2xx |\n|---|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(`| ${row.name} | ${row.requestsPerSecond.toFixed(0)} | ${row.p99Ms} | ${row.ratioToHealthz.toFixed(2)} | ${row.non2xx} |`);
  }
  const streamReport = {
    streams: STREAMS,
    openSeconds: openMs / 1000,
    apiRssBeforeMiB: before,
    apiRssWithStreamsMiB: withStreams,
    perStreamKiB: ((withStreams - before) * 1024) / STREAMS,
  };
  console.log(`\n${STREAMS} event streams (each replayed 40 epochs): opened in ${streamReport.openSeconds.toFixed(1)} s; API RSS ${before.toFixed(0)} → ${withStreams.toFixed(0)} MiB (${streamReport.perStreamKiB.toFixed(1)} KiB per stream)`);
  writeFileSync(options.out, `${JSON.stringify({ date: new Date().toISOString(), connections: CONNECTIONS, seconds: SECONDS, reads: rows, eventStreams: streamReport }, null, 2)}\n`);
} finally {
  await stack.stop();
  await queue.queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  await db.close();
  await database.drop();
  await services.stop();
}
