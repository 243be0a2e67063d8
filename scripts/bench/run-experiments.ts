/**
 * Child process of bench-train.ts standing in for one worker process: like a worker's training thread
 * (WORKER_CONCURRENCY=1) it selects the backend, loads the dataset and warms up once, then trains its
 * share of the short experiments one after another. argv[2] is an `ExperimentsRun` as JSON. A worker is up
 * before a sweep arrives, so the child says READY on stdout once it is set up and starts training
 * when its stdin closes: the parent starts every process's work at once and times only that.
 */
import { loadFashionMnist } from '@lab/dataset';
import { firstExamples, initBackend, train, warmUpTraining } from '@lab/trainer';
import { BENCH_SPEC, READY, experimentsRunSchema, type ExperimentsReport } from './protocol.ts';

const run = experimentsRunSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
process.env.LAB_NATIVE_KERNELS = run.nativeKernels;
await initBackend('wasm', { wasmThreads: run.wasmThreads });
const dataset = await loadFashionMnist();
await warmUpTraining(dataset);
const data = { train: firstExamples(dataset.train, run.trainLimit), test: firstExamples(dataset.test, run.testLimit) };

console.log(READY);
await new Promise((resolve) => process.stdin.resume().once('end', resolve));
const cpuAtStart = process.cpuUsage();

const experimentMs: number[] = [];
for (let i = 0; i < run.experiments; i++) {
  const started = performance.now();
  const outcome = await train({ spec: { ...BENCH_SPEC, seed: BENCH_SPEC.seed + i, epochs: run.epochs }, data, onEpoch: () => {} });
  outcome.model.dispose();
  experimentMs.push(performance.now() - started);
}
const cpu = process.cpuUsage(cpuAtStart);
const report: ExperimentsReport = { experimentMs, cpuMs: (cpu.user + cpu.system) / 1000 };
console.log(JSON.stringify(report));
