import { CLASS_NAMES, IMAGE_SIZE, NUM_CLASSES, type PredictionRequest } from '@lab/contracts';
import type { ExperimentReads } from '@lab/db';
import { conflict, notFound } from '../http-errors.ts';
import { ModelCache } from './model-cache.ts';

type Trainer = typeof import('@lab/trainer');
type LayersModel = Awaited<ReturnType<Trainer['loadModel']>>;
type Image = PredictionRequest['images'][number];

export interface Prediction {
  classIndex: number;
  className: string;
  probabilities: number[];
}

/** Images as one row-major buffer of pixels (0–255), 784 per image, whichever form they came in. */
export function flattenImages(images: readonly Image[]): Float32Array {
  const pixels = new Float32Array(images.length * IMAGE_SIZE);
  images.forEach((image, index) => pixels.set(image.flat(), index * IMAGE_SIZE));
  return pixels;
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let index = 1; index < values.length; index += 1) if (values[index]! > values[best]!) best = index;
  return best;
}

/**
 * Classifies images with an experiment's stored model. tfjs is loaded on the first prediction only,
 * so the API starts fast and never pays for it unless asked; models are kept in a small LRU cache.
 */
export class Predictor {
  readonly #models: ModelCache<LayersModel>;
  #trainer: Promise<Trainer> | undefined;

  constructor(
    private readonly experiments: ExperimentReads,
    cacheSize: number,
  ) {
    this.#models = new ModelCache(cacheSize);
  }

  /** Classifies with the tenant's experiment's model: another tenant's is not found, cached or not. */
  async predict(ownerId: string, experimentId: string, images: readonly Image[]): Promise<Prediction[]> {
    const trainer = await this.#loadTrainer();
    const pixels = flattenImages(images);
    // Keyed by the model's weights too: a resumed run that completes again has a new model.
    const weights = (await this.experiments.modelManifest(ownerId, experimentId))?.weightsSha256 ?? 'none';
    const probabilities = await this.#models.use(
      `${ownerId}/${experimentId}/${weights}`,
      () => this.#loadModel(trainer, ownerId, experimentId),
      (model) => trainer.predictProbabilities(model, pixels, images.length),
    );
    return images.map((_, index) => {
      const row = probabilities.subarray(index * NUM_CLASSES, (index + 1) * NUM_CLASSES);
      const classIndex = argmax(row);
      return { classIndex, className: CLASS_NAMES[classIndex]!, probabilities: Array.from(row) };
    });
  }

  /** Disposes the cached models. */
  close(): void {
    this.#models.clear();
  }

  #loadTrainer(): Promise<Trainer> {
    this.#trainer ??= import('@lab/trainer')
      .then(async (trainer) => {
        await trainer.initBackend();
        return trainer;
      })
      .catch((error: unknown) => {
        this.#trainer = undefined; // let a later request try again
        throw error;
      });
    return this.#trainer;
  }

  async #loadModel(trainer: Trainer, ownerId: string, experimentId: string): Promise<LayersModel> {
    const artifacts = await this.experiments.model(ownerId, experimentId);
    if (artifacts === null) {
      if ((await this.experiments.get(ownerId, experimentId)) === null) throw notFound('Experiment');
      throw conflict('The experiment has no trained model yet');
    }
    return trainer.loadModel(artifacts);
  }
}
