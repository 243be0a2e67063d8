/**
 * Child process of bench-train.ts standing in for one worker process: it selects the backend and
 * loads the dataset once, then trains its share of the short experiments one after another, as a
 * worker with WORKER_CONCURRENCY=1 does. argv[2] is an `ExperimentsRun` as JSON.
 */
import { loadFashionMnist } from '@lab/dataset';
import { firstExamples, initBackend, train } from '@lab/trainer';
import { BENCH_SPEC, experimentsRunSchema, type ExperimentsReport } from './protocol.ts';

const run = experimentsRunSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
await initBackend('wasm');
const dataset = await loadFashionMnist();
const data = { train: firstExamples(dataset.train, run.trainLimit), test: firstExamples(dataset.test, run.testLimit) };

const experimentMs: number[] = [];
for (let i = 0; i < run.experiments; i++) {
  const started = performance.now();
  const outcome = await train({ spec: { ...BENCH_SPEC, seed: BENCH_SPEC.seed + i, epochs: run.epochs }, data, onEpoch: () => {} });
  outcome.model.dispose();
  experimentMs.push(performance.now() - started);
}
const cpu = process.cpuUsage();
const report: ExperimentsReport = { experimentMs, cpuMs: (cpu.user + cpu.system) / 1000 };
console.log(JSON.stringify(report));
