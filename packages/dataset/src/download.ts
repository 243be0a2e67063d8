import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { CANONICAL_BASE_URL } from './canonical-files.ts';
import type { CanonicalFile, CanonicalFileSet } from './canonical-files.ts';
import { md5Hex, verifyMd5 } from './checksum.ts';

/**
 * Fetches whichever canonical files `targetDir` lacks. Each body is checked against its md5 before it
 * is written (atomically), so a bad download never lands on disk.
 */
export async function downloadCanonicalFiles(
  targetDir: string,
  files: CanonicalFileSet,
  baseUrl: string = CANONICAL_BASE_URL,
): Promise<void> {
  for (const file of [files.trainImages, files.trainLabels, files.testImages, files.testLabels]) {
    const path = join(targetDir, file.name);
    if (await hasValidCopy(path, file)) continue;
    const url = new URL(file.name, baseUrl).href;
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: download failed (HTTP ${response.status})`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    verifyMd5(bytes, file.md5, url);
    await writeFileAtomic(path, [bytes]);
  }
}

/** An earlier download that still matches its md5 is kept; anything else is fetched again. */
async function hasValidCopy(path: string, file: CanonicalFile): Promise<boolean> {
  const bytes = await readFile(path).catch(() => undefined);
  return bytes !== undefined && md5Hex(bytes) === file.md5;
}
