import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CANONICAL_FILES } from '../src/canonical-files.ts';
import type { CanonicalFileSet } from '../src/canonical-files.ts';
import { IMAGE_SIZE, mulberry32, type DatasetSplit, type DatasetSplits } from '@lab/contracts';

/** An IDX file of unsigned bytes (or of another type code, to make a wrong magic number). */
export function encodeIdx(dims: number[], data: Uint8Array, typeCode = 0x08): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = typeCode;
  header[3] = dims.length;
  dims.forEach((dim, i) => header.writeUInt32BE(dim, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

/** A small split of pseudo-random pixels and labels. */
export function fakeSplit(count: number, seed: number): DatasetSplit {
  const random = mulberry32(seed);
  const images = Uint8Array.from({ length: count * IMAGE_SIZE }, () => Math.floor(random() * 256));
  const labels = Uint8Array.from({ length: count }, () => Math.floor(random() * 10));
  return { images, labels, count };
}

export function fakeSplits(): DatasetSplits {
  return { train: fakeSplit(5, 1), test: fakeSplit(3, 2) };
}

/** The four gzipped IDX files of `splits`, named as the canonical ones. */
export function canonicalFileBytes(splits: DatasetSplits): Record<keyof CanonicalFileSet, Buffer> {
  const images = (split: DatasetSplit) => gzipSync(encodeIdx([split.count, 28, 28], split.images));
  const labels = (split: DatasetSplit) => gzipSync(encodeIdx([split.count], split.labels));
  return {
    trainImages: images(splits.train),
    trainLabels: labels(splits.train),
    testImages: images(splits.test),
    testLabels: labels(splits.test),
  };
}

/** Writes `bytes` under their canonical names and returns the file set with their real md5s. */
export async function writeCanonicalDir(
  dir: string,
  bytes: Record<keyof CanonicalFileSet, Uint8Array>,
): Promise<CanonicalFileSet> {
  const entries = await Promise.all(
    (Object.keys(CANONICAL_FILES) as (keyof CanonicalFileSet)[]).map(async (key) => {
      const { name } = CANONICAL_FILES[key];
      await writeFile(join(dir, name), bytes[key]);
      return [key, { name, md5: createHash('md5').update(bytes[key]).digest('hex') }] as const;
    }),
  );
  return Object.fromEntries(entries) as unknown as CanonicalFileSet;
}

export async function temporaryDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every entry under `dir` (recursively); none when it does not exist. */
export async function listFiles(dir: string): Promise<string[]> {
  return readdir(dir, { recursive: true }).catch(() => []);
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
