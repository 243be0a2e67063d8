import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { deriveSeed, permutation, SEED_PURPOSE } from '../src/random.ts';

const sha256 = (order: Uint32Array) => createHash('sha256').update(new Uint8Array(order.buffer, order.byteOffset, order.byteLength)).digest('hex');

test('permutation: every index once, the same for the same seed, another for another seed', () => {
  const order = permutation(1000, 3);
  assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(permutation(1000, 3), order);
  assert.notDeepEqual(permutation(1000, 4), order);
  assert.deepEqual([...permutation(0, 3)], []);
  assert.deepEqual([...permutation(1, 3)], [0]);
});

test('permutation: pinned orders, since a resumed run replays its epochs from them', () => {
  // Changing the PRNG or the shuffle would change every stored run's epoch order: it must be deliberate.
  assert.deepEqual([...permutation(10, 42)], [0, 7, 3, 5, 2, 1, 8, 9, 4, 6]);
  assert.equal(sha256(permutation(60000, 1)), '539812be0bf06b9968132cdc6569ad0f4788801acd93b4187c4fcbdb920387ba');
  assert.equal(
    sha256(permutation(60000, deriveSeed(7, SEED_PURPOSE.shuffle, 3))),
    'bfd760c22c22df108119e4ce4a5d7dd986c6eddf94d85c7bbf16b1061d3e7a95',
  );
});
