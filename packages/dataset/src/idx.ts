import { gunzipSync } from 'node:zlib';

/** IDX type code for unsigned bytes, the only element type Fashion-MNIST uses. */
const IDX_UNSIGNED_BYTE = 0x08;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses an (uncompressed) IDX file of unsigned bytes: magic `00 00 08 <rank>`, `rank` big-endian
 * uint32 dimensions, then exactly their product of bytes. Every error names the file.
 */
export function parseIdx(buffer: Uint8Array, name: string): IdxArray {
  if (buffer.length < 4) {
    throw new Error(`${name}: truncated IDX file (${buffer.length} bytes, shorter than the 4-byte magic number)`);
  }
  const rank = buffer[3] ?? 0;
  if (buffer[0] !== 0 || buffer[1] !== 0 || buffer[2] !== IDX_UNSIGNED_BYTE || rank === 0) {
    const magic = Buffer.from(buffer.subarray(0, 4)).toString('hex');
    throw new Error(`${name}: wrong IDX magic number 0x${magic} (expected 0x000008 followed by a rank ≥ 1)`);
  }
  const headerLength = 4 + 4 * rank;
  if (buffer.length < headerLength) {
    throw new Error(`${name}: truncated IDX file (${buffer.length} bytes, header needs ${headerLength})`);
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((product, dim) => product * dim, 1);
  const actual = buffer.length - headerLength;
  if (actual < expected) {
    throw new Error(`${name}: truncated IDX file (dims ${dims.join('×')} need ${expected} data bytes, found ${actual})`);
  }
  if (actual > expected) {
    throw new Error(`${name}: ${actual - expected} unexpected bytes after the IDX data (dims ${dims.join('×')})`);
  }
  return { dims, data: buffer.subarray(headerLength) };
}

/** Parses an IDX file that may be gzip-compressed (recognised by its magic bytes, not its name). */
export function parseIdxFile(bytes: Uint8Array, name: string): IdxArray {
  if (bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) return parseIdx(bytes, name);
  let inflated: Uint8Array;
  try {
    inflated = gunzipSync(bytes);
  } catch (error) {
    throw new Error(`${name}: cannot decompress (${(error as Error).message})`, { cause: error });
  }
  return parseIdx(inflated, name);
}
