import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.ts';
import { IMAGE_SIZE, type DatasetSplit, type DatasetSplits } from '@lab/contracts';
import type { DatasetSource, FashionMnist } from './types.ts';

/**
 * Binary cache layout: a 16-byte magic, the header length (uint32 LE), the JSON header, then the raw
 * bytes of train images, train labels, test images, test labels. Loading it is one read of ~55 MB.
 */
const MAGIC = Buffer.from('FMNIST-CACHE-v1\n', 'ascii');
const LENGTH_FIELD_BYTES = 4;

const cacheHeaderSchema = z.strictObject({
  source: z.enum(['idx-dir', 'download', 'npm-package']),
  version: z.string().regex(/^[0-9a-f]{64}$/),
  trainCount: z.number().int().nonnegative(),
  testCount: z.number().int().nonnegative(),
});

/**
 * The dataset version: sha256 over, for train then test, the split's count (uint32 LE), its pixels and
 * its labels. Any changed pixel, label or split boundary changes it.
 */
export function datasetContentHash(splits: DatasetSplits): string {
  const hash = createHash('sha256');
  for (const split of [splits.train, splits.test]) {
    const count = Buffer.alloc(4);
    count.writeUInt32LE(split.count);
    hash.update(count).update(split.images).update(split.labels);
  }
  return hash.digest('hex');
}

/** Writes the cache atomically and returns the dataset as it will read back. */
export async function writeCacheFile(path: string, source: DatasetSource, splits: DatasetSplits): Promise<FashionMnist> {
  const version = datasetContentHash(splits);
  const header = Buffer.from(
    JSON.stringify({ source, version, trainCount: splits.train.count, testCount: splits.test.count }),
    'utf8',
  );
  const headerLength = Buffer.alloc(LENGTH_FIELD_BYTES);
  headerLength.writeUInt32LE(header.length);
  await writeFileAtomic(path, [
    MAGIC, headerLength, header,
    splits.train.images, splits.train.labels, splits.test.images, splits.test.labels,
  ]);
  return { ...splits, source, version };
}

/** Reads and verifies a cache file; `undefined` when there is none. The splits are views into one buffer. */
export async function readCacheFile(path: string): Promise<FashionMnist | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const corrupt = (reason: string) => new Error(`${path}: corrupt dataset cache (${reason}); delete it to rebuild`);
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt('wrong magic');
  const headerStart = MAGIC.length + LENGTH_FIELD_BYTES;
  if (bytes.length < headerStart) throw corrupt('truncated header');
  const headerEnd = headerStart + bytes.readUInt32LE(MAGIC.length);
  let header: z.infer<typeof cacheHeaderSchema>;
  try {
    header = cacheHeaderSchema.parse(JSON.parse(bytes.subarray(headerStart, headerEnd).toString('utf8')));
  } catch (error) {
    throw corrupt(`unreadable header: ${(error as Error).message}`);
  }
  const expectedLength = headerEnd + (header.trainCount + header.testCount) * (IMAGE_SIZE + 1);
  if (bytes.length !== expectedLength) throw corrupt(`${bytes.length} bytes, expected ${expectedLength}`);

  let offset = headerEnd;
  const take = (length: number) => bytes.subarray(offset, (offset += length));
  const split = (count: number): DatasetSplit => ({ images: take(count * IMAGE_SIZE), labels: take(count), count });
  const train = split(header.trainCount);
  const test = split(header.testCount);

  const actualVersion = datasetContentHash({ train, test });
  if (actualVersion !== header.version) throw corrupt(`content sha256 ${actualVersion}, header says ${header.version}`);
  return { train, test, source: header.source, version: header.version };
}
