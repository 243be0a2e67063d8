// `npm run sweep:seed`: the lesson's closing question — what does λ do to overfitting? — answered by a
// λ sweep through the service. Submits λ ∈ {0, 1e-6, 1e-5, 1e-4, 1e-3} × 3 seeds with the seed's
// configuration, trains them with 2 worker processes, then writes what the API serves for it:
// docs/lambda-sweep.md (GET /v1/sweeps/:id/report) and docs/lambda-sweep.svg (GET /v1/sweeps/:id/plot.svg).
//   npm run sweep:seed                                      the full sweep (15 runs of 40 epochs on all the data)
//   npm run sweep:seed -- --epochs 2 --train-limit 2000 --test-limit 1000 --seeds 1   a quick check
//   other options: --workers N (default 2); --sweep ID writes the report of a sweep already submitted
//   (e.g. after an interruption: it waits for the sweep to finish, trains nothing new by itself)
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { FINISHED_STATUSES, SEED_SPEC, type Sweep } from '@lab/contracts';
import { startLocalService } from './local-service.ts';
import { seedSweepOptions, seedSweepRequest, workerCount } from './seed-sweep-cli.ts';

const LAMBDAS = [0, 1e-6, 1e-5, 1e-4, 1e-3];
const POLL_MS = 5_000;

const { values } = parseArgs({ options: { ...seedSweepOptions(SEED_SPEC.epochs), sweep: { type: 'string' } } });
const workers = workerCount(values);
const request = seedSweepRequest(values, LAMBDAS, { name: 'seed config λ sweep' });

/** An existing sweep's id and run ids, in the summary's order. */
const runIdsOf = (sweep: Sweep) => ({ id: sweep.id, experimentIds: sweep.rows.flatMap((row) => row.runs.map((run) => run.experimentId)) });

const docsDir = fileURLToPath(new URL('../docs', import.meta.url));
const service = await startLocalService({ workers, queuePrefix: 'lab-sweep' });
try {
  const { client } = service;
  const { id, experimentIds } =
    values.sweep === undefined ? await client.submitSweep(request) : runIdsOf(await client.sweep(values.sweep));
  console.log(`sweep ${id}: ${experimentIds.length} runs; follow it: GET ${client.baseUrl}/v1/sweeps/${id}`);

  let sweep = await client.sweep(id);
  const started = Date.parse(sweep.createdAt);
  let lastLine = '';
  while (!FINISHED_STATUSES.includes(sweep.status)) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    sweep = await client.sweep(id);
    const { done, total, byStatus } = sweep.progress;
    const epochs = sweep.rows.flatMap((row) => row.runs).reduce((sum, run) => sum + run.progress.epoch, 0);
    const line = `${done}/${total} runs finished, ${byStatus.running} running; ${epochs} epochs stored`;
    if (line !== lastLine) console.log(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`);
    lastLine = line;
  }
  console.log(`sweep ${sweep.status}`);

  mkdirSync(docsDir, { recursive: true });
  writeFileSync(`${docsDir}/lambda-sweep.svg`, await client.sweepPlot(id));
  // The report links the plot as the file written beside it.
  writeFileSync(`${docsDir}/lambda-sweep.md`, await client.sweepReport(id, 'lambda-sweep.svg'));
  console.log(`wrote docs/lambda-sweep.md and docs/lambda-sweep.svg\n`);
  console.log(sweep.answer === null ? 'No answer: too few λ values have results.' : `${sweep.answer.text}\n\nIn short: ${sweep.answer.inShort}`);
} finally {
  await service.close();
}
