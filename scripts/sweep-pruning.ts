// `npm run sweep:pruning`: what seed-aware pruning saves. Trains the same λ sweep twice through the
// service — λ ∈ {0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2} × 3 seeds with the lesson's configuration, first
// unpruned, then with the median rule at its defaults — one after the other on the same workers, and
// writes docs/lambda-sweep-pruning.md: the epochs each trained, their wall times, whether they reach the
// same recommendation, the size of a stored checkpoint, and both sweeps' reports as the API serves them.
//   npm run sweep:pruning                                   the full study (2 × 18 runs of 20 epochs, all the data)
//   npm run sweep:pruning -- --epochs 3 --train-limit 2000 --test-limit 1000 --seeds 2   a quick check
//   other options: --workers N (default 2); --strategy asha; --unpruned ID / --pruned ID reuse sweeps
//   already submitted (e.g. after an interruption: it waits for them, and trains only what they lack)
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import {
  FINISHED_STATUSES,
  formatLambda,
  pruningSchema,
  type Recommendation,
  type Sweep,
  type SweepRequestInput,
} from '@lab/contracts';
import { createDb } from '@lab/db';
import type { ApiClient } from './api-client.ts';
import { startLocalService } from './local-service.ts';
import { seedSweepOptions, seedSweepRequest, workerCount } from './seed-sweep-cli.ts';

const LAMBDAS = [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2];
const POLL_MS = 5_000;
/** The issue's bar: the pruned sweep trains at most this share of the unpruned sweep's epochs. */
const MAX_EPOCH_SHARE = 0.6;

const { values } = parseArgs({
  options: {
    ...seedSweepOptions(20),
    strategy: { type: 'string', default: 'median' },
    unpruned: { type: 'string' },
    pruned: { type: 'string' },
  },
});
const workers = workerCount(values);
const pruning = pruningSchema.parse({ strategy: values.strategy });
const requests = {
  unpruned: seedSweepRequest(values, LAMBDAS, { name: 'pruning study: unpruned' }),
  pruned: seedSweepRequest(values, LAMBDAS, { name: `pruning study: ${pruning.strategy} pruning`, pruning }),
} satisfies Record<string, SweepRequestInput>;

interface Trained {
  sweep: Sweep;
  epochsTrained: number;
  epochBudget: number;
  wallMinutes: number;
  /** The 1-minute load average, sampled while the sweep trained. */
  load: number[];
}

async function train(client: ApiClient, label: string, request: SweepRequestInput, existing: string | undefined): Promise<Trained> {
  const id = existing ?? (await client.submitSweep(request)).id;
  console.log(`${label} sweep ${id}: follow it at GET ${client.baseUrl}/v1/sweeps/${id}`);
  const load: number[] = [];
  let sweep = await client.sweep(id);
  let lastLine = '';
  while (!FINISHED_STATUSES.includes(sweep.status)) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    load.push(loadavg()[0]!);
    sweep = await client.sweep(id);
    const { done, total, byStatus } = sweep.progress;
    const line = `${done}/${total} runs finished (${byStatus.pruned} pruned), ${byStatus.running} running; ${epochsOf(sweep).trained} epochs stored`;
    if (line !== lastLine) console.log(`[${label}] ${line}`);
    lastLine = line;
  }
  if (sweep.status !== 'completed') throw new Error(`the ${label} sweep ended ${sweep.status}`);
  const runs = await Promise.all(sweep.rows.flatMap((row) => row.runs).map((run) => client.experiment(run.experimentId)));
  const starts = runs.flatMap((run) => (run.startedAt === null ? [] : [Date.parse(run.startedAt)]));
  const finishes = runs.flatMap((run) => (run.finishedAt === null ? [] : [Date.parse(run.finishedAt)]));
  const { trained, budget } = epochsOf(sweep);
  return { sweep, epochsTrained: trained, epochBudget: budget, wallMinutes: (Math.max(...finishes) - Math.min(...starts)) / 60_000, load };
}

function epochsOf(sweep: Sweep): { trained: number; budget: number } {
  const runs = sweep.rows.flatMap((row) => row.runs);
  return { trained: runs.reduce((sum, run) => sum + run.progress.epoch, 0), budget: runs.reduce((sum, run) => sum + run.progress.epochs, 0) };
}

const recommendationText = (recommendation: Recommendation | null): string =>
  recommendation === null
    ? 'none'
    : `best λ = ${formatLambda(recommendation.best.lambda)}` +
      (recommendation.oneStandardError === null ? '' : `, one-standard-error λ = ${formatLambda(recommendation.oneStandardError.lambda)}`);
const sameRecommendation = (a: Recommendation | null, b: Recommendation | null): boolean =>
  a !== null && b !== null && a.best.lambda === b.best.lambda && a.oneStandardError?.lambda === b.oneStandardError?.lambda;
const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const loadText = (load: number[]) =>
  load.length === 0 ? '—' : `${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} (median ${medianOf(load)!.toFixed(1)})`;
/** Whether the two sweeps' wall times can be compared: the machine is shared, and its load moves them. */
function loadNote(unpruned: number[], pruned: number[]): string {
  const [a, b] = [medianOf(unpruned), medianOf(pruned)];
  if (a === undefined || b === undefined) return 'the load while they trained was not sampled';
  const verdict = a > 1.2 * b ? 'so the wall-time ratio overstates the saving' : b > 1.2 * a ? 'so the wall-time ratio understates the saving' : 'so their wall times compare';
  return `the median 1-minute load average was ${a.toFixed(1)} while the unpruned sweep trained and ${b.toFixed(1)} while the pruned one did, ${verdict}; the epochs trained do not depend on it`;
}
/** The λ values whose runs all completed in both sweeps, and whether their figures came out identical. */
function unprunedRows(unpruned: Sweep, pruned: Sweep): { lambdas: number[]; identical: boolean } {
  const kept = pruned.rows.filter((row) => row.runs.every((run) => run.status === 'completed'));
  const identical = kept.every((row) => JSON.stringify(row.summary) === JSON.stringify(unpruned.rows.find((other) => other.lambda === row.lambda)?.summary));
  return { lambdas: kept.map((row) => row.lambda), identical };
}

/** A sweep's own report under this document's headings: its title dropped, every heading one level down. */
const embedded = (report: string) => report.replace(/^# .*\n+/, '').replace(/^(#+) /gm, '$1# ');

/** Bytes per stored checkpoint (weights and Adam's state, as Postgres stores them) of the study's runs. */
async function checkpointSizes(databaseUrl: string, sweepIds: string[]): Promise<{ count: number; meanBytes: number; bestWeights: number }> {
  const db = createDb(databaseUrl);
  try {
    const [row] = await db.prisma.$queryRaw<{ count: number; mean: number | null }[]>`
      SELECT count(*)::int AS "count",
             avg(pg_column_size(c."weight_data") + pg_column_size(c."optimizer_state") + pg_column_size(c."weight_specs") + pg_column_size(c."optimizer_specs"))::float8 AS "mean"
      FROM "checkpoints" c JOIN "experiments" e ON e."id" = c."experiment_id"
      WHERE e."sweep_id" = ANY(${sweepIds}::uuid[])`;
    const best = await db.prisma.bestWeights.count({ where: { experiment: { sweepId: { in: sweepIds } } } });
    return { count: row?.count ?? 0, meanBytes: row?.mean ?? 0, bestWeights: best };
  } finally {
    await db.close();
  }
}

const docsDir = fileURLToPath(new URL('../docs', import.meta.url));
const service = await startLocalService({ workers, queuePrefix: 'lab-sweep-pruning' });
try {
  const { client } = service;
  // One after the other on the same workers, so that both wall times are measured alike.
  const unpruned = await train(client, 'unpruned', requests.unpruned, values.unpruned);
  const pruned = await train(client, 'pruned', requests.pruned, values.pruned);
  const share = pruned.epochsTrained / unpruned.epochsTrained;
  const same = sameRecommendation(unpruned.sweep.recommendation, pruned.sweep.recommendation);
  const sizes = await checkpointSizes(service.databaseUrl, [unpruned.sweep.id, pruned.sweep.id]);
  const kept = unprunedRows(unpruned.sweep, pruned.sweep);
  const [verdict, prunedVerdict] = [unpruned.sweep.answer?.verdict ?? 'none', pruned.sweep.answer?.verdict ?? 'none'];

  mkdirSync(docsDir, { recursive: true });
  const plots = { unpruned: 'lambda-sweep-pruning-unpruned.svg', pruned: 'lambda-sweep-pruning-pruned.svg' };
  writeFileSync(`${docsDir}/${plots.unpruned}`, await client.sweepPlot(unpruned.sweep.id));
  writeFileSync(`${docsDir}/${plots.pruned}`, await client.sweepPlot(pruned.sweep.id));
  const [unprunedReport, prunedReport] = await Promise.all([
    client.sweepReport(unpruned.sweep.id, plots.unpruned),
    client.sweepReport(pruned.sweep.id, plots.pruned),
  ]);
  const row = (label: string, trained: Trained) =>
    `| ${label} | ${trained.epochsTrained} of ${trained.epochBudget} | ${trained.wallMinutes.toFixed(1)} min | ${loadText(trained.load)} | ${recommendationText(trained.sweep.recommendation)} |`;
  const { base: spec, seeds } = unpruned.sweep.spec;
  const document = `# What pruning saves: the same λ sweep with and without seed-aware ${pruning.strategy} pruning

Generated by \`npm run sweep:pruning\` on ${new Date().toISOString().slice(0, 10)}: λ ∈ {${LAMBDAS.map(formatLambda).join(', ')}} × ${seeds.length} seeds,
${spec.epochs} epochs, batch ${spec.batchSize}, Adam ${spec.learningRate}, layers ${spec.hiddenLayers.join('-')}, ${spec.trainLimit ?? 'all'} training / ${spec.testLimit ?? 'all'} test images,
trained through the service by ${workers} worker process(es) with ${service.wasmThreads} wasm thread(s) each, the unpruned sweep first, then the pruned one.
The pruned sweep's rule: \`${JSON.stringify(pruning)}\` (see docs/pruning.md).

| sweep | epochs trained | wall time (first start to last finish) | 1-min load average while it trained | recommendation |
|---|---|---|---|---|
${row('unpruned', unpruned)}
${row(`${pruning.strategy} pruning`, pruned)}

- The pruned sweep trained **${(100 * share).toFixed(1)} %** of the unpruned sweep's epochs (target ≤ ${100 * MAX_EPOCH_SHARE} %: **${share <= MAX_EPOCH_SHARE ? 'met' : 'missed'}**)
  in ${((100 * pruned.wallMinutes) / unpruned.wallMinutes).toFixed(1)} % of its wall time (${loadNote(unpruned.load, pruned.load)}).
- Recommendation: **${same ? 'the same' : 'different'}** (${recommendationText(unpruned.sweep.recommendation)} unpruned; ${recommendationText(pruned.sweep.recommendation)} pruned).
- The λ values none of whose runs were pruned (${kept.lambdas.map(formatLambda).join(', ')}) have ${kept.identical ? 'exactly the same figures' : 'different figures'} in both sweeps: ${kept.identical ? 'their runs trained identically' : 'their runs did not train identically'} (same seeds, same backend).
- The answer to the lesson's question is ${verdict === prunedVerdict ? `the same (\`${verdict}\`)` : `not the same (\`${verdict}\` unpruned, \`${prunedVerdict}\` pruned)`}: the pruned λ values have no figures, so the pruned sweep's answer
  compares only the λ values it kept. Pruning serves the recommendation (which λ to train); the question of what a large λ does to overfitting needs the runs it prunes.
- A stored checkpoint of this network (its weights and Adam's two moments, as Postgres stores them): ${(sizes.meanBytes / 2 ** 20).toFixed(2)} MiB on average over the ${sizes.count} runs
  of both sweeps; each finished run keeps its one checkpoint for \`CHECKPOINT_RETENTION_DAYS\` (default 30), so that it can be resumed.
- The machine (2 cores) was shared with other work while these ran: the load averages above say how much; wall times are pessimistic and noisy.

## Unpruned

${embedded(unprunedReport)}
## ${pruning.strategy} pruning

${embedded(prunedReport)}`;
  writeFileSync(`${docsDir}/lambda-sweep-pruning.md`, document);
  console.log(`wrote docs/lambda-sweep-pruning.md, docs/${plots.unpruned} and docs/${plots.pruned}`);
  console.log(`epochs: ${pruned.epochsTrained} pruned vs ${unpruned.epochsTrained} unpruned (${(100 * share).toFixed(1)} %); recommendation ${same ? 'the same' : 'DIFFERENT'}`);
} finally {
  await service.close();
}
