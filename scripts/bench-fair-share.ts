// `npm run bench:fair-share`: how long one tenant's single run waits behind another tenant's big sweep.
// Through the real service (API and worker processes, real training of tiny runs): tenant "local"
// submits a sweep of N runs, tenant "solo" then submits one run, and "local" submits one more run
// after its sweep. The last is the baseline, measured in the same run: a run behind a 100-run backlog
// in submission (FIFO) order, which is what every tenant got before fair share. Prints each one's wait
// (created → started) and its place in the order the worker started the runs.
//   npm run bench:fair-share                      100 sweep runs, 1 worker
//   npm run bench:fair-share -- --runs 20         a quicker check (also --workers N)
import { parseArgs } from 'node:util';
import { FINISHED_STATUSES, type Experiment } from '@lab/contracts';
import { ApiKeys, createDb } from '@lab/db';
import { ApiClient } from './api-client.ts';
import { startLocalService } from './local-service.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '100' }, workers: { type: 'string', default: '1' } } });
const runs = Number(values.runs);
const workers = Number(values.workers);
if (!Number.isInteger(runs) || runs < 2 || runs > 100 || runs % 2 !== 0) throw new Error('--runs must be an even number from 2 to 100');
if (!Number.isInteger(workers) || workers < 1) throw new Error('--workers must be a positive integer');

/** Real runs that train in about a second: what matters here is the order, not the model. */
const TINY_BASE = { epochs: 1, batchSize: 100, hiddenLayers: [16], trainLimit: 500, testLimit: 100 };
const TINY = { ...TINY_BASE, lambda: 1e-4, seed: 1 };
const POLL_MS = 2_000;

const service = await startLocalService({ workers, queuePrefix: 'lab-fair-share' });
const db = createDb(service.databaseUrl);
const keys = new ApiKeys(db.prisma);
// Runs left unfinished in this database (an interrupted earlier run) would take turns too.
const unfinished = await db.prisma.experiment.count({ where: { status: { in: ['queued', 'running'] } } });
if (unfinished > 0) {
  await db.close();
  await service.close();
  throw new Error(`${unfinished} unfinished runs are already queued in ${service.databaseUrl}: let them finish, or point DATABASE_URL at an empty database`);
}
const solo = await keys.create({ scope: 'tenant', tenantId: 'solo', name: 'bench:fair-share' });
try {
  const big = service.client;
  const small = new ApiClient(big.baseUrl, solo.key);
  const sweep = await big.submitSweep({
    name: 'fair-share backlog',
    base: TINY_BASE,
    lambdas: Array.from({ length: runs / 2 }, (_, index) => (index + 1) * 1e-5),
    seeds: [1, 2],
  });
  const single = await small.submitExperiment({ ...TINY, name: "another tenant's single run" });
  const behind = await big.submitExperiment({ ...TINY, name: "the sweep's tenant's next run" });
  console.log(`submitted: a ${sweep.experimentIds.length}-run sweep (tenant local), then 1 run of tenant solo, then 1 more of tenant local`);

  // Progress from three reads per poll (the sweep's summary and the two single runs), well inside the rate limit.
  for (;;) {
    const [summary, ...singles] = await Promise.all([big.sweep(sweep.id), small.experiment(single.id), big.experiment(behind.id)]);
    const done = summary.progress.done + singles.filter((run) => FINISHED_STATUSES.includes(run.status)).length;
    process.stdout.write(`\r${done}/${runs + 2} runs finished`);
    if (done === runs + 2) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  process.stdout.write('\n');
  const all: Experiment[] = await Promise.all([...sweep.experimentIds.map((id) => big.experiment(id)), small.experiment(single.id), big.experiment(behind.id)]);
  const failed = all.filter((run) => run.status !== 'completed');
  if (failed.length > 0) throw new Error(`${failed.length} runs did not complete: ${failed.map((run) => `${run.id} ${run.status} ${run.error ?? ''}`).join('; ')}`);

  const startOrder = [...all].sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!)).map((run) => run.id);
  const waitSeconds = (run: Experiment) => (Date.parse(run.startedAt!) - Date.parse(run.createdAt)) / 1000;
  const runSeconds = all.map((run) => (Date.parse(run.finishedAt!) - Date.parse(run.startedAt!)) / 1000);
  const meanRun = runSeconds.reduce((sum, value) => sum + value, 0) / runSeconds.length;
  const report = (what: string, run: Experiment) =>
    `| ${what} | ${startOrder.indexOf(run.id) + 1} of ${all.length} | ${waitSeconds(run).toFixed(1)} s |`;
  console.log(`\n${workers} worker(s); a run took ${meanRun.toFixed(1)} s on average (started → finished)\n`);
  console.log('| run | started | waited (created → started) |');
  console.log('|---|---|---|');
  console.log(report("tenant solo's single run, submitted after the sweep", all.at(-2)!));
  console.log(report("tenant local's next run, submitted after it (baseline: FIFO behind the sweep)", all.at(-1)!));
  console.log(report("the sweep's last run to start", all.find((run) => run.id === startOrder.filter((id) => sweep.experimentIds.includes(id)).at(-1))!));
} finally {
  await keys.revoke(solo.record.id);
  await db.close();
  await service.close();
}
