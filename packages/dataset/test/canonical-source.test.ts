import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CANONICAL_FILES } from '../src/canonical-files.ts';
import type { CanonicalFileSet } from '../src/canonical-files.ts';
import { CANONICAL_CACHE_FILE, loadFashionMnist } from '../src/load.ts';
import type { DatasetSplits } from '@lab/contracts';
import { canonicalFileBytes, encodeIdx, escapeRegExp, fakeSplits, listFiles, temporaryDir, writeCanonicalDir } from './fixtures.ts';

function assertSameSplits(actual: DatasetSplits, expected: DatasetSplits): void {
  for (const name of ['train', 'test'] as const) {
    assert.equal(actual[name].count, expected[name].count);
    assert.ok(Buffer.from(actual[name].images).equals(Buffer.from(expected[name].images)), `${name} images differ`);
    assert.ok(Buffer.from(actual[name].labels).equals(Buffer.from(expected[name].labels)), `${name} labels differ`);
  }
}

test('idx-dir: verified files become a cache that later loads read without the directory', async (t) => {
  const idxDir = await temporaryDir(t, 'fmnist-idx');
  const cacheDir = await temporaryDir(t, 'fmnist-cache');
  const splits = fakeSplits();
  const canonicalFiles = await writeCanonicalDir(idxDir, canonicalFileBytes(splits));

  const built = await loadFashionMnist({ idxDir, cacheDir, canonicalFiles });
  assert.equal(built.source, 'idx-dir');
  assertSameSplits(built, splits);
  assert.deepEqual(await listFiles(cacheDir), [CANONICAL_CACHE_FILE]);

  await rm(idxDir, { recursive: true });
  const cached = await loadFashionMnist({ cacheDir }); // canonical data in the cache wins over the npm package
  assert.equal(cached.source, 'idx-dir');
  assert.equal(cached.version, built.version);
  assertSameSplits(cached, splits);
});

test('idx-dir: a checksum mismatch names the file and leaves no cache entry', async (t) => {
  const idxDir = await temporaryDir(t, 'fmnist-idx');
  const cacheDir = join(await temporaryDir(t, 'fmnist-cache'), 'cache');
  const files = await writeCanonicalDir(idxDir, canonicalFileBytes(fakeSplits()));
  const canonicalFiles: CanonicalFileSet = { ...files, testImages: { ...files.testImages, md5: '0'.repeat(32) } };

  await assert.rejects(
    loadFashionMnist({ idxDir, cacheDir, canonicalFiles }),
    new RegExp(`^Error: ${escapeRegExp(join(idxDir, 't10k-images-idx3-ubyte.gz'))}: checksum mismatch \\(md5 [0-9a-f]{32}, expected 0{32}\\)`),
  );
  assert.deepEqual(await listFiles(cacheDir), []);
});

test('idx-dir: the published checksums are enforced by default', async (t) => {
  const idxDir = await temporaryDir(t, 'fmnist-idx');
  const cacheDir = await temporaryDir(t, 'fmnist-cache');
  await writeCanonicalDir(idxDir, canonicalFileBytes(fakeSplits()));

  await assert.rejects(loadFashionMnist({ idxDir, cacheDir }), (error: Error) => {
    assert.match(error.message, /: checksum mismatch/);
    const named = Object.values(CANONICAL_FILES).find((file) => error.message.startsWith(join(idxDir, file.name)));
    assert.ok(named, `error names one of the four files: ${error.message}`);
    assert.match(error.message, new RegExp(`expected ${named.md5}`));
    return true;
  });
  assert.deepEqual(await listFiles(cacheDir), []);
});

test('idx-dir: a truncated file or a wrong magic number (with matching md5) names the file, no cache entry', async (t) => {
  const splits = fakeSplits();
  const good = canonicalFileBytes(splits);
  const cases = [
    {
      bytes: { ...good, trainImages: good.trainImages.subarray(0, good.trainImages.length - 10) },
      error: /train-images-idx3-ubyte\.gz: cannot decompress/,
    },
    {
      bytes: { ...good, testLabels: gzipSync(encodeIdx([splits.test.count], splits.test.labels).subarray(0, 9)) },
      error: /t10k-labels-idx1-ubyte\.gz: truncated IDX file/,
    },
    {
      bytes: { ...good, trainLabels: gzipSync(encodeIdx([splits.train.count], splits.train.labels, 0x09)) },
      error: /train-labels-idx1-ubyte\.gz: wrong IDX magic number 0x00000901/,
    },
    {
      bytes: { ...good, testImages: gzipSync(encodeIdx([splits.test.count, 28, 27], splits.test.images.subarray(0, 3 * 28 * 27))) },
      error: /t10k-images-idx3-ubyte\.gz: expected images of 28×28, found dims 3×28×27/,
    },
  ];
  for (const { bytes, error } of cases) {
    const idxDir = await temporaryDir(t, 'fmnist-idx');
    const cacheDir = await temporaryDir(t, 'fmnist-cache');
    const canonicalFiles = await writeCanonicalDir(idxDir, bytes);
    await assert.rejects(loadFashionMnist({ idxDir, cacheDir, canonicalFiles }), error);
    assert.deepEqual(await listFiles(cacheDir), []);
  }
});

test('download: files are fetched, verified and cached; a bad body is rejected and not kept', async (t) => {
  const splits = fakeSplits();
  const bytes = canonicalFileBytes(splits);
  const staging = await temporaryDir(t, 'fmnist-expected');
  const canonicalFiles = await writeCanonicalDir(staging, bytes);
  const served = new Map(Object.entries(bytes).map(([key, body]) => [`/${canonicalFiles[key as keyof CanonicalFileSet].name}`, body]));
  let corruptTestLabels = true;
  const server = createServer((request, response) => {
    const body = served.get(request.url ?? '');
    if (!body) return void response.writeHead(404).end();
    const tampered = corruptTestLabels && request.url === `/${canonicalFiles.testLabels.name}`;
    response.end(tampered ? Buffer.concat([body, Buffer.of(0)]) : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const canonicalBaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const cacheDir = await temporaryDir(t, 'fmnist-cache');
  const options = { cacheDir, allowDownload: true, canonicalFiles, canonicalBaseUrl };

  await assert.rejects(
    loadFashionMnist(options),
    new RegExp(`^Error: ${escapeRegExp(canonicalBaseUrl)}t10k-labels-idx1-ubyte\\.gz: checksum mismatch`),
  );
  assert.ok(!(await listFiles(cacheDir)).some((file) => file.includes('t10k-labels') || file.endsWith('.bin')));

  corruptTestLabels = false;
  const downloaded = await loadFashionMnist(options);
  assert.equal(downloaded.source, 'download');
  assertSameSplits(downloaded, splits);
  assert.ok((await listFiles(cacheDir)).includes(CANONICAL_CACHE_FILE));
});
