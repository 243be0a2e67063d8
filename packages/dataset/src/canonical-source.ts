import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CanonicalFile, CanonicalFileSet } from './canonical-files.ts';
import { verifyMd5 } from './checksum.ts';
import { parseIdxFile } from './idx.ts';
import type { IdxArray } from './idx.ts';
import { splitFromIdx } from './splits.ts';
import type { DatasetSplits } from '@lab/contracts';

/** Reads the four canonical `.gz` IDX files from `dir`, each verified against its md5 before parsing. */
export async function readCanonicalDirectory(dir: string, files: CanonicalFileSet): Promise<DatasetSplits> {
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    [files.trainImages, files.trainLabels, files.testImages, files.testLabels].map((file) => readVerified(dir, file)),
  ) as [IdxArray, IdxArray, IdxArray, IdxArray];
  const names = (images: CanonicalFile, labels: CanonicalFile) => ({ images: join(dir, images.name), labels: join(dir, labels.name) });
  return {
    train: splitFromIdx(trainImages, trainLabels, names(files.trainImages, files.trainLabels)),
    test: splitFromIdx(testImages, testLabels, names(files.testImages, files.testLabels)),
  };
}

async function readVerified(dir: string, file: CanonicalFile): Promise<IdxArray> {
  const path = join(dir, file.name);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new Error(`${path}: cannot read (${(error as Error).message})`, { cause: error });
  }
  verifyMd5(bytes, file.md5, path);
  return parseIdxFile(bytes, path);
}
