/**
 * `npm run bench:train [-- --rounds N]`: how fast the seed network trains, before and after the
 * trainer's native and small kernels, against PyTorch on the same CPU, through the service, and how
 * two worker processes share the machine. Every trainer configuration runs in its own process;
 * configurations that are compared (PyTorch included) run interleaved, round after round, so that
 * load from other work on the machine falls on all of them; figures are medians. The service runs
 * sit between two rounds. Writes docs/benchmarks.json and the training section of docs/benchmarks.md.
 */
import { createRequire } from 'node:module';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadFashionMnist } from '@lab/dataset';
import { runChild, startChildOnSignal } from './bench/child.ts';
import { writeDocSection } from './bench/doc-sections.ts';
import { BENCH_SPEC, READY, experimentsReportSchema, trainingReportSchema, type ExperimentsRun, type TrainingReport, type TrainingRun } from './bench/protocol.ts';
import { ensurePyTorch, exportForPyTorch, openblasCoreAsInstalled, runPyTorch, type PyTorchReport } from './bench/pytorch.ts';
import { renderMarkdown, type BenchmarkResults, type ConfigurationResult, type MakespanResult, type PeerResult } from './bench/render.ts';
import { trainThroughService, type ServiceAttempt } from './bench/service-epoch.ts';
import { matmulFlopsPerStep, median, quantile } from './bench/stats.ts';

const { values: cli } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(cli.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${cli.rounds}`);
/** Makespan alternations when --rounds asks for fewer (see measureMakespans). */
const MIN_MAKESPAN_ALTERNATIONS = 9;

/** Steps excluded at the start of each run: JIT, first kernel setups, allocator growth. */
const WARM_UP_STEPS = 3;
/** Timed steps wanted per run of the slow paths (a sub-epoch, extrapolated to a full one). */
const TIMED_STEPS = 20;
const SUB_EPOCH_EXAMPLES = (WARM_UP_STEPS + TIMED_STEPS) * BENCH_SPEC.batchSize;
/** Epochs per full-epoch run: the first warms up, the last is the one reported. */
const EPOCHS = 2;
/** Epochs trained through the service: the median of epochs 2.. is reported. */
const SERVICE_EPOCHS = 4;
/** The service's setups: the default one (first) runs every round, the fallback in the first. */
const SERVICE_SETUPS = [
  ['native kernels (default)', {}],
  ['LAB_NATIVE_KERNELS=off', { LAB_NATIVE_KERNELS: 'off' }],
] as const;

interface Configuration {
  id: string;
  label: string;
  run: TrainingRun;
  /** Whether `run` covers whole epochs (else its epoch time is extrapolated). */
  fullEpoch: boolean;
  /** Run once rather than every round (the slow reference paths). */
  once?: boolean;
}

const tfjsNodeInstalled = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((name) => {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
});
const threads = Math.min(os.availableParallelism(), 8);
/** Both thread counts where there are several cores, else one. */
const threadCounts = threads > 1 ? [1, threads] : [1];
const wasm = (run: Omit<TrainingRun, 'backend' | 'loop' | 'epochs'> & { epochs?: number }): TrainingRun => ({ backend: 'wasm', loop: 'train', epochs: EPOCHS, ...run });
const configurations: Configuration[] = [
  ...(tfjsNodeInstalled ? [{ id: 'tensorflow', label: 'tensorflow (tfjs-node)', run: { backend: 'tensorflow', loop: 'train', epochs: EPOCHS }, fullEpoch: true } as const] : []),
  ...threadCounts.flatMap((t) => {
    const suffix = t > 1 ? `-threads` : '';
    const label = `${t} thread${t > 1 ? 's' : ''}`;
    return [
      { id: `native${suffix}`, label: `native kernels (OpenBLAS), ${label}`, run: wasm({ wasmThreads: t }), fullEpoch: true },
      { id: `fallback${suffix}`, label: `without native kernels (fast wasm matmul, small kernels), ${label}`, run: wasm({ wasmThreads: t, nativeKernels: 'off' }), fullEpoch: true },
      {
        id: `before${suffix}`,
        label: `before: fast wasm matmul, tfjs' own small kernels, ${label}`,
        run: wasm({ wasmThreads: t, nativeKernels: 'off', smallKernels: false }),
        fullEpoch: true,
      },
    ];
  }),
  {
    id: 'wasm-naive',
    label: 'stock wasm matmul (naive), 1 thread',
    run: wasm({ nativeKernels: 'off', smallKernels: false, matMul: 'stock', epochs: 1, trainLimit: SUB_EPOCH_EXAMPLES }),
    fullEpoch: false,
    once: true,
  },
  {
    id: 'wasm-fit-naive',
    label: 'tfjs-layers model.fit, stock wasm matmul (naive), 1 thread',
    run: { backend: 'wasm', loop: 'fit', nativeKernels: 'off', smallKernels: false, matMul: 'stock', epochs: 1, trainLimit: SUB_EPOCH_EXAMPLES },
    fullEpoch: false,
    once: true,
  },
  { id: 'cpu', label: 'cpu backend (pure JS)', run: { backend: 'cpu', loop: 'train', epochs: 1, trainLimit: SUB_EPOCH_EXAMPLES }, fullEpoch: false, once: true },
];

// An OPENBLAS_CORETYPE in the environment would pin both sides to one kernel family: removed, so
// that the native kernels choose theirs from the CPU (as on a machine without it) and PyTorch runs
// both on those and on OpenBLAS's own choice.
const removedCoreType = process.env.OPENBLAS_CORETYPE ?? null;
delete process.env.OPENBLAS_CORETYPE;

const loadAverages: number[] = [];
const sampleLoad = () => loadAverages.push(os.loadavg()[0]!);

const dataset = await loadFashionMnist(); // builds the cache once, before anything is timed
const stepsPerEpoch = Math.ceil(dataset.train.count / BENCH_SPEC.batchSize);
const pytorch = ensurePyTorch();
const pytorchData = 'version' in pytorch ? exportForPyTorch(dataset) : null;
const asInstalledCore = 'version' in pytorch ? openblasCoreAsInstalled() : null;
if ('skipped' in pytorch) console.log(`bench: PyTorch peer skipped: ${pytorch.skipped}`);

const reports = new Map<string, TrainingReport[]>(configurations.map((c) => [c.id, []]));
const peerReports = new Map<string, PyTorchReport[]>();
let openblasCore: string | null = null;
const serviceRuns: ServiceAttempt[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    for (const configuration of configurations) {
      if (configuration.once && round > 1) continue;
      console.log(`round ${round}/${rounds}: ${configuration.label}`);
      sampleLoad();
      const report = await runChild('./measure-training.ts', configuration.run, trainingReportSchema);
      reports.get(configuration.id)!.push(report);
      openblasCore ??= /^native-openblas-[\w.]+-(\w+)$/.exec(report.backendInfo.kernels)?.[1] ?? null;
    }
    if (pytorchData !== null) await runPeers(round);
    // Through the service: the default setup every round (its epoch and peak move with the machine
    // as much as PyTorch's, so both sides are sampled alike), the fallback in the first round.
    for (const [label, env] of round === 1 ? SERVICE_SETUPS : SERVICE_SETUPS.slice(0, 1)) {
      // The default setup should run the kernels the trainer runs here; if it did not (the addon
      // being rebuilt by an install meanwhile, on a shared checkout), it is run once more.
      const expected = 'LAB_NATIVE_KERNELS' in env ? 'wasm-fast-matmul' : reports.get('native')?.[0]?.backendInfo.kernels;
      for (let attempt = 1; attempt <= 2; attempt++) {
        console.log(`through the service: ${label}, ${SERVICE_EPOCHS} epochs`);
        sampleLoad();
        // The rest of the bench stands without it: a service that does not start is reported, not fatal.
        const run = await trainThroughService(label, SERVICE_EPOCHS, env).catch((error: Error) => ({ label, error: error.message }));
        if (attempt === 2 || 'error' in run || run.kernels === expected) {
          serviceRuns.push(run);
          break;
        }
        console.log(`bench: the service ran ${run.kernels}, not ${expected}; running it again`);
      }
    }
  }
} finally {
  if (pytorchData !== null) rmSync(pytorchData, { recursive: true, force: true });
}
const results = configurations.map((c) => summarise(c, reports.get(c.id)!));
const makespans = await measureMakespans();
sampleLoad();

const benchmark: BenchmarkResults = {
  measuredAt: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  removedCoreType,
  loadAverage1m: { min: Math.min(...loadAverages), median: median(loadAverages), max: Math.max(...loadAverages) },
  rounds,
  dataset: { source: dataset.source, version: dataset.version, trainExamples: dataset.train.count, testExamples: dataset.test.count },
  seedSpec: BENCH_SPEC,
  matmulGflopPerStep: matmulFlopsPerStep() / 1e9,
  configurations: results,
  speedups: speedups(results),
  pytorch: 'version' in pytorch ? { version: pytorch.version, peers: [...peerReports].map(([id, runs]) => summarisePeer(id, runs)) } : { skipped: pytorch.skipped },
  service: serviceRuns,
  makespans,
};
const docs = fileURLToPath(new URL('../docs/', import.meta.url));
mkdirSync(docs, { recursive: true });
writeFileSync(`${docs}benchmarks.json`, `${JSON.stringify(benchmark, null, 2)}\n`);
const markdown = renderMarkdown(benchmark);
writeDocSection(`${docs}benchmarks.md`, 'bench:train', markdown);
console.log(`\n${markdown}`);

/**
 * PyTorch with each thread count, on the OpenBLAS kernels the native kernels run (the fairest peer:
 * same BLAS, same kernel family), and with OpenBLAS's own choice, as a plain install runs it. Every
 * peer runs every round: the fastest of them is the target's reference, so it is a median too.
 */
async function runPeers(round: number): Promise<void> {
  const peers = [
    ...threadCounts.map((t) => ({ id: `pytorch-${t}`, threads: t, coreType: openblasCore })),
    ...(openblasCore !== null ? [{ id: 'pytorch-1-as-installed', threads: 1, coreType: null }] : []),
  ];
  for (const peer of peers) {
    console.log(`round ${round}/${rounds}: PyTorch, ${peer.threads} thread(s), OpenBLAS kernels: ${peer.coreType ?? "OpenBLAS's own choice"}`);
    sampleLoad();
    const report = await runPyTorch(pytorchData!, { threads: peer.threads, epochs: EPOCHS, coreType: peer.coreType });
    peerReports.set(peer.id, [...(peerReports.get(peer.id) ?? []), report]);
  }
}

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

function summarisePeer(id: string, runs: PyTorchReport[]): PeerResult {
  const steps = runs.flatMap((r) => r.stepMs.flat().slice(WARM_UP_STEPS));
  return {
    id,
    threads: runs[0]!.threads,
    openblasKernels: id.endsWith('as-installed') || openblasCore === null ? `${asInstalledCore ?? 'unknown'} (OpenBLAS's own choice)` : openblasCore,
    runs: runs.length,
    stepMs: median(steps),
    epochMs: median(runs.map((r) => r.epochMs.at(-1)!)),
    coresBusy: median(runs.map((r) => r.epochCpuMs.at(-1)! / r.epochMs.at(-1)!)),
    valAccuracy: runs[0]!.valAccuracy,
  };
}

function speedups(results: ConfigurationResult[]): BenchmarkResults['speedups'] {
  const find = (id: string) => results.find((r) => r.id === id);
  const pairs: [string, string, string][] = [
    ['before', 'native', 'native kernels vs before, 1 thread'],
    ['before-threads', 'native-threads', `native kernels vs before, ${threads} threads`],
    ['before', 'fallback', 'small kernels alone (no OpenBLAS), 1 thread'],
    ['native', 'native-threads', `${threads} GEMM threads vs 1 (native)`],
    ['wasm-naive', 'before', 'fast wasm matmul vs stock kernels'],
    ['wasm-fit-naive', 'before', 'train loop + fast matmul vs plain tfjs-layers fit'],
    ['cpu', 'native', 'native kernels vs the cpu backend'],
  ];
  return pairs.flatMap(([baseline, candidate, what]) => {
    const b = find(baseline);
    const c = find(candidate);
    return b && c ? [{ baseline, candidate, what, stepRatio: b.stepMs.median / c.stepMs.median, epochRatio: b.epochMs / c.epochMs }] : [];
  });
}

/**
 * Four short experiments trained by one trainer process, then by two (two each), alternately, each
 * process setting up as a worker's training thread does (backend, dataset, warm-up), and timed from
 * the moment all are set up (run directly, not through the queue: the ratio measures how two
 * processes share the cores). Once with one thread per process, and once with the threads the
 * worker's default gives (cores ÷ processes).
 */
async function measureMakespans(): Promise<MakespanResult[]> {
  // The noisiest figure: two processes need both vCPUs, so a moment of steal on either slows that
  // run (one process needs one). An alternation takes ~15 s, so there are at least 9 of them.
  const alternations = Math.max(rounds, MIN_MAKESPAN_ALTERNATIONS);
  const experiments = 4;
  const work = { trainLimit: 16 * BENCH_SPEC.batchSize, testLimit: 2000, epochs: 3 };
  const makespan = async (processes: number, wasmThreads: number) => {
    sampleLoad();
    const shares = Array.from({ length: processes }, (_, i) => Math.floor(experiments / processes) + (i < experiments % processes ? 1 : 0));
    const children = shares.map((share) =>
      startChildOnSignal('./run-experiments.ts', { ...work, wasmThreads, experiments: share } satisfies ExperimentsRun, experimentsReportSchema, READY),
    );
    // Workers are up before a sweep arrives: time from the moment every process is set up.
    await Promise.all(children.map((child) => child.ready));
    const started = performance.now();
    const runs = await Promise.all(children.map((child) => child.go()));
    const wallMs = performance.now() - started;
    // CPU our processes got per wall-clock second: 2 would mean both cores were theirs.
    return { wallMs, cores: runs.reduce((sum, r) => sum + r.cpuMs, 0) / wallMs };
  };
  const variants = [
    { label: '1 thread per process', threadsOne: 1, threadsTwo: 1 },
    ...(threads > 1 ? [{ label: "the worker's default threads (cores ÷ processes)", threadsOne: threads, threadsTwo: Math.max(1, Math.floor(threads / 2)) }] : []),
  ];
  const results: MakespanResult[] = [];
  for (const variant of variants) {
    const one: { wallMs: number; cores: number }[] = [];
    const two: { wallMs: number; cores: number }[] = [];
    for (let round = 1; round <= alternations; round++) {
      console.log(`alternation ${round}/${alternations}: ${experiments} experiments by 1 worker process, then by 2 (${variant.label})`);
      one.push(await makespan(1, variant.threadsOne));
      two.push(await makespan(2, variant.threadsTwo));
    }
    results.push({
      label: variant.label,
      threads: { oneProcess: variant.threadsOne, twoProcesses: variant.threadsTwo },
      experiments,
      ...work,
      makespanMs: { oneProcess: one.map((m) => m.wallMs), twoProcesses: two.map((m) => m.wallMs) },
      coresObtained: { oneProcess: median(one.map((m) => m.cores)), twoProcesses: median(two.map((m) => m.cores)) },
      ratio: median(two.map((m) => m.wallMs)) / median(one.map((m) => m.wallMs)),
    });
  }
  return results;
}
