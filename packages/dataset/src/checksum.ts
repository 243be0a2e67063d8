import { createHash } from 'node:crypto';

export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** Throws, naming the file, unless `bytes` has the expected md5. */
export function verifyMd5(bytes: Uint8Array, expectedMd5: string, name: string): void {
  const actual = md5Hex(bytes);
  if (actual !== expectedMd5) {
    throw new Error(`${name}: checksum mismatch (md5 ${actual}, expected ${expectedMd5})`);
  }
}
