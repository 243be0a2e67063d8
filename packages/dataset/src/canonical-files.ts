/** One of the four files Zalando publishes, with its published md5. */
export interface CanonicalFile {
  name: string;
  md5: string;
}

export interface CanonicalFileSet {
  trainImages: CanonicalFile;
  trainLabels: CanonicalFile;
  testImages: CanonicalFile;
  testLabels: CanonicalFile;
}

/** The canonical Fashion-MNIST files and the checksums published with them. */
export const CANONICAL_FILES: CanonicalFileSet = {
  trainImages: { name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
  trainLabels: { name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe' },
  testImages: { name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79' },
  testLabels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
};

/** The files as committed in Zalando's own repository (served over https). */
export const CANONICAL_BASE_URL = 'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/';
