import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { datasetContentHash, readCacheFile, writeCacheFile } from '../src/cache-file.ts';
import type { DatasetSplits } from '@lab/contracts';
import { escapeRegExp, fakeSplits, listFiles, temporaryDir } from './fixtures.ts';

function copySplits(splits: DatasetSplits): DatasetSplits {
  const copy = (split: DatasetSplits['train']) => ({ ...split, images: split.images.slice(), labels: split.labels.slice() });
  return { train: copy(splits.train), test: copy(splits.test) };
}

test('cache round trip is byte-identical and leaves no temporary file', async (t) => {
  const dir = await temporaryDir(t, 'fmnist-cache');
  const path = join(dir, 'data.bin');
  const splits = fakeSplits();

  const written = await writeCacheFile(path, 'npm-package', splits);
  const read = await readCacheFile(path);
  assert.ok(read);
  assert.equal(read.source, 'npm-package');
  assert.equal(read.version, written.version);
  for (const name of ['train', 'test'] as const) {
    assert.equal(read[name].count, splits[name].count);
    assert.ok(Buffer.from(read[name].images).equals(Buffer.from(splits[name].images)));
    assert.ok(Buffer.from(read[name].labels).equals(Buffer.from(splits[name].labels)));
  }
  assert.deepEqual(await listFiles(dir), ['data.bin']);

  // Rewriting the same data gives the same bytes, so racing builders agree.
  const before = await readFile(path);
  await writeCacheFile(path, 'npm-package', copySplits(splits));
  assert.ok(before.equals(await readFile(path)));
});

test('the version is the sha256 of counts, pixels and labels, and changes with any of them', () => {
  const splits = fakeSplits();
  const count = (n: number) => Buffer.from(new Uint32Array([n]).buffer);
  const expected = createHash('sha256')
    .update(count(splits.train.count)).update(splits.train.images).update(splits.train.labels)
    .update(count(splits.test.count)).update(splits.test.images).update(splits.test.labels)
    .digest('hex');
  const version = datasetContentHash(splits);
  assert.equal(version, expected);

  const pixelChanged = copySplits(splits);
  pixelChanged.test.images[100] = (pixelChanged.test.images[100] ?? 0) ^ 1;
  const labelChanged = copySplits(splits);
  labelChanged.train.labels[0] = ((labelChanged.train.labels[0] ?? 0) + 1) % 10;
  // Same bytes, one image moved from train to test: only the split boundary differs.
  const moved: DatasetSplits = {
    train: { images: splits.train.images.subarray(0, 4 * 784), labels: splits.train.labels.subarray(0, 4), count: 4 },
    test: {
      images: Buffer.concat([splits.train.images.subarray(4 * 784), splits.test.images]),
      labels: Buffer.concat([splits.train.labels.subarray(4), splits.test.labels]),
      count: 4,
    },
  };
  const versions = new Set([version, ...[pixelChanged, labelChanged, moved].map(datasetContentHash)]);
  assert.equal(versions.size, 4);
});

test('the recorded version follows the data written', async (t) => {
  const dir = await temporaryDir(t, 'fmnist-cache');
  const splits = fakeSplits();
  const changed = copySplits(splits);
  changed.train.images[0] = (changed.train.images[0] ?? 0) ^ 0xff;
  await writeCacheFile(join(dir, 'a.bin'), 'idx-dir', splits);
  await writeCacheFile(join(dir, 'b.bin'), 'idx-dir', changed);
  const first = await readCacheFile(join(dir, 'a.bin'));
  const second = await readCacheFile(join(dir, 'b.bin'));
  assert.ok(first && second);
  assert.notEqual(first.version, second.version);
  assert.equal(second.version, datasetContentHash(changed));
});

test('a missing cache reads as undefined; a tampered or truncated one is an error naming the file', async (t) => {
  const dir = await temporaryDir(t, 'fmnist-cache');
  const path = join(dir, 'data.bin');
  assert.equal(await readCacheFile(path), undefined);

  await writeCacheFile(path, 'npm-package', fakeSplits());
  const good = await readFile(path);
  const named = (reason: RegExp) => new RegExp(`^Error: ${escapeRegExp(path)}: corrupt dataset cache \\(${reason.source}`);

  const flipped = Buffer.from(good);
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
  await writeFile(path, flipped);
  await assert.rejects(readCacheFile(path), named(/content sha256 [0-9a-f]{64}, header says/));

  await writeFile(path, good.subarray(0, good.length - 1));
  await assert.rejects(readCacheFile(path), named(/\d+ bytes, expected \d+/));

  await writeFile(path, Buffer.concat([Buffer.from('not a cache'), good]));
  await assert.rejects(readCacheFile(path), named(/wrong magic/));
});
