/**
 * Builds (if needed) and verifies the Fashion-MNIST cache, then times a load from it.
 * Usage: node --import tsx packages/dataset/src/cli.ts   (configured by FASHION_MNIST_* variables)
 */
import { datasetOptionsFromEnv } from './env.ts';
import { loadFashionMnist } from './load.ts';
import { DEFAULT_CACHE_DIR } from './paths.ts';
import { describeDatasetSource } from './source-description.ts';

const options = datasetOptionsFromEnv();
const firstStart = performance.now();
await loadFashionMnist(options); // builds the cache when it is missing
const firstMs = performance.now() - firstStart;

const loadStart = performance.now();
const dataset = await loadFashionMnist(options); // a cache read, verified against its hash
const loadMs = performance.now() - loadStart;

const lines = [
  `cache dir:   ${options.cacheDir ?? DEFAULT_CACHE_DIR}`,
  `source:      ${dataset.source} (${describeDatasetSource(dataset.source)})`,
  `version:     ${dataset.version}`,
  `train/test:  ${dataset.train.count} / ${dataset.test.count}`,
  `first load:  ${firstMs.toFixed(0)} ms (includes building the cache if it was missing)`,
  `cache load:  ${loadMs.toFixed(0)} ms`,
  `peak RSS:    ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
];
console.log(lines.join('\n'));
