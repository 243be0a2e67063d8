/**
 * Seeded randomness for everything the trainer decides: initialiser seeds and per-epoch shuffles.
 * Each stream is derived from (run seed, purpose, index) so that epoch k's shuffle does not depend on
 * how many numbers earlier epochs drew — which is what lets a resumed run replay epoch k exactly.
 */
import { mulberry32, shuffleInPlace } from '@lab/contracts';

/** A 31-bit seed mixed from integers (FNV-1a over their 32-bit words, then one mulberry32 step). */
export function deriveSeed(...parts: number[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    let word = part >>> 0;
    for (let byte = 0; byte < 4; byte++) {
      hash ^= word & 0xff;
      hash = Math.imul(hash, 0x01000193) >>> 0;
      word >>>= 8;
    }
  }
  return Math.floor(mulberry32(hash)() * 0x7fffffff);
}

export const SEED_PURPOSE = { initialiser: 1, shuffle: 2 } as const;

/** A random permutation of 0..n-1, the same for the same seed. */
export function permutation(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffleInPlace(order, mulberry32(seed));
}
