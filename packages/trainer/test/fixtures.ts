import { IMAGE_SIZE, mulberry32, NUM_CLASSES, type DatasetSplit } from '@lab/contracts';

/** Deterministic synthetic images whose mean brightness depends on the label, so a model can learn. */
export function syntheticSplit(count: number, seed: number): DatasetSplit {
  const next = mulberry32(seed);
  const images = new Uint8Array(count * IMAGE_SIZE);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = Math.floor(next() * NUM_CLASSES);
    labels[i] = label;
    for (let p = 0; p < IMAGE_SIZE; p++) {
      const lit = (p + label * 7) % NUM_CLASSES === 0;
      images[i * IMAGE_SIZE + p] = Math.floor(next() * 64) + (lit ? 160 : 0);
    }
  }
  return { images, labels, count };
}
