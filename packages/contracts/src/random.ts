/**
 * mulberry32: a tiny 32-bit PRNG, identical on every machine and Node version. Returns floats in
 * [0, 1). Everything that must replay exactly (the dataset's split order, initialiser seeds, epoch
 * shuffles) draws from it.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fisher–Yates shuffle of `items` in place, drawing one number from `random` per position from the end;
 * returns `items`. The dataset's split order and every epoch's batch order come from it, so its exact
 * sequence of draws is part of the dataset version and of replaying a resumed run.
 */
export function shuffleInPlace<Items extends { length: number; [index: number]: unknown }>(items: Items, random: () => number): Items {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const item = items[i];
    items[i] = items[j];
    items[j] = item;
  }
  return items;
}
