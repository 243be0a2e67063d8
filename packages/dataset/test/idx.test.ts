import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseIdx, parseIdxFile } from '../src/idx.ts';
import { encodeIdx } from './fixtures.ts';

const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);

test('parseIdx reads dims and data of a well-formed file', () => {
  const parsed = parseIdx(encodeIdx([2, 3, 4], pixels), 'images.idx');
  assert.deepEqual(parsed.dims, [2, 3, 4]);
  assert.deepEqual(Array.from(parsed.data), Array.from(pixels));

  const labels = parseIdx(encodeIdx([3], Uint8Array.of(7, 0, 9)), 'labels.idx');
  assert.deepEqual(labels.dims, [3]);
  assert.deepEqual(Array.from(labels.data), [7, 0, 9]);
});

test('parseIdx rejects a wrong magic number, naming the file', () => {
  const floatFile = encodeIdx([2, 3, 4], pixels, 0x0d); // IDX type code for float32
  assert.throws(() => parseIdx(floatFile, 'floats.idx'), /^Error: floats\.idx: wrong IDX magic number 0x00000d03/);

  const noRank = Buffer.from([0, 0, 8, 0]);
  assert.throws(() => parseIdx(noRank, 'rank0.idx'), /rank0\.idx: wrong IDX magic number/);

  const gzipNotUnpacked = gzipSync(encodeIdx([3], Uint8Array.of(1, 2, 3)));
  assert.throws(() => parseIdx(gzipNotUnpacked, 'packed.gz'), /packed\.gz: wrong IDX magic number 0x1f8b/);
});

test('parseIdx rejects truncated headers and data, and trailing bytes, naming the file', () => {
  const file = encodeIdx([2, 3, 4], pixels);
  assert.throws(() => parseIdx(file.subarray(0, 3), 'tiny.idx'), /tiny\.idx: truncated IDX file \(3 bytes/);
  assert.throws(() => parseIdx(file.subarray(0, 10), 'header.idx'), /header\.idx: truncated IDX file \(10 bytes, header needs 16\)/);
  assert.throws(
    () => parseIdx(file.subarray(0, file.length - 1), 'short.idx'),
    /short\.idx: truncated IDX file \(dims 2×3×4 need 24 data bytes, found 23\)/,
  );
  assert.throws(() => parseIdx(Buffer.concat([file, Buffer.of(0)]), 'long.idx'), /long\.idx: 1 unexpected bytes/);
});

test('parseIdxFile unpacks gzip by its magic bytes and reports broken archives by file name', () => {
  const file = encodeIdx([2, 3, 4], pixels);
  const packed = gzipSync(file);
  assert.deepEqual(Array.from(parseIdxFile(packed, 'images.gz').data), Array.from(pixels));
  assert.deepEqual(parseIdxFile(file, 'plain.idx').dims, [2, 3, 4]);

  assert.throws(() => parseIdxFile(packed.subarray(0, packed.length - 8), 'cut.gz'), /^Error: cut\.gz: cannot decompress/);
  const truncatedInside = gzipSync(file.subarray(0, file.length - 5));
  assert.throws(() => parseIdxFile(truncatedInside, 'inner.gz'), /inner\.gz: truncated IDX file/);
});
