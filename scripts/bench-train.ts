/**
 * `npm run bench:train [-- --rounds N]`: how fast the seed network trains on each available backend,
 * against the naive paths, and how two worker processes share the machine. Every configuration runs
 * in its own process; configurations that are compared run interleaved, round after round, so that
 * load from other work on the machine falls on all of them. Writes docs/benchmarks.{md,json}.
 */
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadFashionMnist } from '@lab/dataset';
import { runChild } from './bench/child.ts';
import { BENCH_SPEC, experimentsReportSchema, trainingReportSchema, type ExperimentsRun, type TrainingReport, type TrainingRun } from './bench/protocol.ts';
import { renderMarkdown, type BenchmarkResults, type ConfigurationResult, type ParallelismResult } from './bench/render.ts';
import { matmulFlopsPerStep, median, quantile } from './bench/stats.ts';

const { values: cli } = parseArgs({ options: { rounds: { type: 'string', default: '2' } } });
const rounds = Number(cli.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${cli.rounds}`);

/** Steps excluded at the start of each run: JIT, first kernel setups, allocator growth. */
const WARM_UP_STEPS = 3;
/** Timed steps wanted per run of the slow paths (a sub-epoch, extrapolated to a full one). */
const TIMED_STEPS = 20;
const SUB_EPOCH_EXAMPLES = (WARM_UP_STEPS + TIMED_STEPS) * BENCH_SPEC.batchSize;

interface Configuration {
  id: string;
  label: string;
  run: TrainingRun;
  /** Whether `run` covers whole epochs (else its epoch time is extrapolated). */
  fullEpoch: boolean;
  /** Run once rather than every round (the cpu backend: ~3 s per step). */
  once?: boolean;
}

const nativeInstalled = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((name) => {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
});
const threads = Math.min(os.availableParallelism(), 8);
const configurations: Configuration[] = [
  ...(nativeInstalled
    ? [{ id: 'tensorflow', label: 'tensorflow (tfjs-node), train loop', run: { backend: 'tensorflow', loop: 'train', epochs: 2 }, fullEpoch: true } as const]
    : []),
  { id: 'wasm-fast', label: 'wasm, train loop, fast matmul', run: { backend: 'wasm', loop: 'train', epochs: 2 }, fullEpoch: true },
  ...(threads > 1
    ? [
        {
          id: 'wasm-fast-threads',
          label: `wasm ${threads} threads, train loop, fast matmul`,
          run: { backend: 'wasm', wasmThreads: threads, loop: 'train', epochs: 2 },
          fullEpoch: true,
        } as const,
      ]
    : []),
  {
    id: 'wasm-naive',
    label: 'wasm, train loop, stock matmul (naive)',
    run: { backend: 'wasm', loop: 'train', fastMatMul: false, epochs: 1, trainLimit: SUB_EPOCH_EXAMPLES },
    fullEpoch: false,
  },
  {
    id: 'wasm-fit-naive',
    label: 'wasm, tfjs-layers model.fit, stock matmul (naive)',
    run: { backend: 'wasm', loop: 'fit', fastMatMul: false, epochs: 1, trainLimit: SUB_EPOCH_EXAMPLES },
    fullEpoch: false,
  },
  {
    id: 'cpu',
    label: 'cpu (pure JS), train loop',
    run: { backend: 'cpu', loop: 'train', epochs: 1, trainLimit: SUB_EPOCH_EXAMPLES },
    fullEpoch: false,
    once: true,
  },
];

const loadAverages: number[] = [];
const sampleLoad = () => loadAverages.push(os.loadavg()[0]!);

const dataset = await loadFashionMnist(); // builds the cache once, before anything is timed
const stepsPerEpoch = Math.ceil(dataset.train.count / BENCH_SPEC.batchSize);
const reports = new Map<string, TrainingReport[]>(configurations.map((c) => [c.id, []]));
for (let round = 1; round <= rounds; round++) {
  for (const configuration of configurations) {
    if (configuration.once && round > 1) continue;
    console.log(`round ${round}/${rounds}: ${configuration.label}`);
    sampleLoad();
    reports.get(configuration.id)!.push(await runChild('./measure-training.ts', configuration.run, trainingReportSchema));
  }
}
const results = configurations.map((c) => summarise(c, reports.get(c.id)!));
const parallelism = await measureParallelism();
sampleLoad();

const benchmark: BenchmarkResults = {
  measuredAt: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  loadAverage1m: { min: Math.min(...loadAverages), median: median(loadAverages), max: Math.max(...loadAverages) },
  rounds,
  dataset: { source: dataset.source, version: dataset.version, trainExamples: dataset.train.count, testExamples: dataset.test.count },
  seedSpec: BENCH_SPEC,
  matmulGflopPerStep: matmulFlopsPerStep() / 1e9,
  configurations: results,
  speedups: speedups(results),
  parallelism,
};
const docs = fileURLToPath(new URL('../docs/', import.meta.url));
mkdirSync(docs, { recursive: true });
writeFileSync(`${docs}benchmarks.json`, `${JSON.stringify(benchmark, null, 2)}\n`);
const markdown = renderMarkdown(benchmark);
writeFileSync(`${docs}benchmarks.md`, markdown);
console.log(`\n${markdown}`);

function summarise(configuration: Configuration, runs: TrainingReport[]): ConfigurationResult {
  const steps = runs.flatMap((r) => r.stepMs.flat().slice(WARM_UP_STEPS));
  const stepMs = median(steps);
  // Whole epochs: the last one (past the warm-up). A sub-epoch: its steps scaled to a full epoch,
  // plus what follows the last timed step (one more step, then validation on the full test split).
  const epochMs = configuration.fullEpoch
    ? median(runs.map((r) => r.epochMs.at(-1)!))
    : median(runs.map((r) => stepsPerEpoch * stepMs + r.tailMs.at(-1)! - stepMs));
  const first = runs[0]!;
  return {
    id: configuration.id,
    label: configuration.label,
    backend: first.backendInfo,
    runs: runs.length,
    timedSteps: steps.length,
    stepMs: { median: stepMs, p10: quantile(steps, 0.1), p90: quantile(steps, 0.9) },
    epochMs,
    epochMeasured: configuration.fullEpoch ? 'full epoch' : `extrapolated from ${first.trainExamples} examples`,
    gflops: matmulFlopsPerStep() / 1e9 / (stepMs / 1000),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssBytes)) / 2 ** 20,
    tensors: first.tensors,
    dataBuffers: first.dataBuffers,
    tensorsConstant: runs.every((r) => r.tensors.perEpoch.every((n) => n === r.tensors.perEpoch[0])),
  };
}

function speedups(results: ConfigurationResult[]): BenchmarkResults['speedups'] {
  const step = (id: string) => results.find((r) => r.id === id)?.stepMs.median;
  const pairs: [string, string, string][] = [
    ['wasm-naive', 'wasm-fast', 'fast matmul vs stock kernels (same train loop)'],
    ['wasm-fit-naive', 'wasm-fast', 'train loop + fast matmul vs plain tfjs-layers fit'],
    ['wasm-fast', 'wasm-fast-threads', `${threads} XNNPACK threads vs 1`],
    ['cpu', 'wasm-fast', 'wasm fast vs cpu backend'],
  ];
  return pairs.flatMap(([baseline, candidate, what]) => {
    const b = step(baseline);
    const c = step(candidate);
    return b !== undefined && c !== undefined ? [{ baseline, candidate, what, ratio: b / c }] : [];
  });
}

/**
 * Four short experiments trained by one worker process, then by two (two each), alternately, each
 * process loading backend and dataset as a worker does. Run directly as trainer processes, not
 * through the queue: the makespan ratio measures how two processes share the cores.
 */
async function measureParallelism(): Promise<ParallelismResult> {
  const experiments = 4;
  const work: Omit<ExperimentsRun, 'experiments'> = { trainLimit: 8 * BENCH_SPEC.batchSize, testLimit: 2000, epochs: 2 };
  const makespan = async (processes: number) => {
    sampleLoad();
    const started = performance.now();
    const shares = Array.from({ length: processes }, (_, i) => Math.floor(experiments / processes) + (i < experiments % processes ? 1 : 0));
    const reports = await Promise.all(shares.map((share) => runChild('./run-experiments.ts', { ...work, experiments: share }, experimentsReportSchema)));
    const wallMs = performance.now() - started;
    // CPU our processes got per wall-clock second: 2 would mean both cores were theirs.
    return { wallMs, cores: reports.reduce((sum, r) => sum + r.cpuMs, 0) / wallMs };
  };
  const one: { wallMs: number; cores: number }[] = [];
  const two: { wallMs: number; cores: number }[] = [];
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round}/${rounds}: ${experiments} experiments by 1 worker process, then by 2`);
    one.push(await makespan(1));
    two.push(await makespan(2));
  }
  return {
    experiments,
    ...work,
    makespanMs: { oneProcess: one.map((m) => m.wallMs), twoProcesses: two.map((m) => m.wallMs) },
    coresObtained: { oneProcess: median(one.map((m) => m.cores)), twoProcesses: median(two.map((m) => m.cores)) },
    ratio: median(two.map((m) => m.wallMs)) / median(one.map((m) => m.wallMs)),
  };
}
