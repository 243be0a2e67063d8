import * as tf from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import type { Shape } from '@tensorflow/tfjs-layers/dist/keras_format/common';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';
import { smallKernelsEnabled } from './small-kernels.ts';

type LayerArgs = ConstructorParameters<typeof layers.Layer>[0];

export interface ActivityRegularizationArgs extends NonNullable<LayerArgs> {
  /** λ: weight of the penalty Σa² added to the training loss. */
  lambda: number;
}

/**
 * The seed's `ActivityRegularizationLayer`: identity on its input, and it adds λ·Σa² to the loss,
 * the sum running over the whole batch and every unit (not a mean), through `addLoss` — so the
 * penalty is both reported in the loss and differentiated, exactly as Keras' `add_loss`.
 */
export class ActivityRegularization extends layers.Layer {
  static className = 'ActivityRegularization';
  readonly lambda: number;
  /**
   * λ·Σa² per example of the latest call, computed inside call() as Keras' add_loss does (the model
   * frees its intermediate activations when apply() returns). Kept past that scope, so that the loss
   * closure can read it; the next call, or dispose(), frees it.
   */
  private lastPenalties: tf.Tensor1D | null = null;

  constructor(args: ActivityRegularizationArgs) {
    super(args);
    if (!Number.isFinite(args.lambda) || args.lambda < 0) {
      throw new RangeError(`lambda must be a finite number ≥ 0, got ${args.lambda}`);
    }
    this.lambda = args.lambda;
    this.addLoss(() => this.penalty());
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const activation = Array.isArray(inputs) ? inputs[0] : inputs;
    if (activation === undefined) throw new Error('ActivityRegularization expects one input tensor');
    tf.dispose(this.lastPenalties ?? []);
    const batch = activation.shape[0] ?? 1;
    this.lastPenalties = this.lambda === 0 ? null : tf.keep(this.penalties(tf.reshape(activation, [batch, -1]) as tf.Tensor2D));
    this.lastBatchSize = batch;
    return activation;
  }

  private lastBatchSize = 0;

  /**
   * λ·Σa² per row, with its gradient written out: 2λ·a scaled by each row's incoming gradient. tfjs'
   * own gradient of sum() multiplies by a tensor of ones that it fills in JavaScript and copies to
   * the backend (a batch × units pass each way, every step) and then makes two more passes; this one
   * makes one, rounding the same products, so the gradient is bit-identical (barring float32
   * overflow). One of the trainer's small kernels (small-kernels.ts): with them switched off, tfjs
   * differentiates the plain formula.
   */
  private penalties(rows: tf.Tensor2D): tf.Tensor1D {
    return smallKernelsEnabled() ? this.penaltiesWithGradient(rows) : (tf.mul(this.lambda, tf.sum(tf.square(rows), 1)) as tf.Tensor1D);
  }

  private readonly penaltiesWithGradient = tf.customGrad<tf.Tensor1D>((...inputs) => {
    const [a, save] = inputs as [tf.Tensor2D, tf.GradSaveFunc];
    save([a]);
    return {
      value: tf.mul(this.lambda, tf.sum(tf.square(a), 1)),
      // tfjs: g = dy·λ, then g per row × ones, then that × (a·2). Doubling is exact in float32, so
      // a × (2g) rounds the same product as g × (2a): one pass over the activations instead of two.
      gradFunc: (dy, [saved]) => tf.mul(saved!, tf.reshape(tf.mul(tf.mul(dy, this.lambda), 2), [-1, 1])),
    };
  });

  /** λ·Σa² over the latest call's batch (a scalar); exactly 0 when λ = 0. */
  penalty(): tf.Scalar {
    return this.lastPenalties === null ? tf.scalar(0) : tf.sum(this.lastPenalties);
  }

  /** λ·Σa² for each example of the latest call (shape [batch]): lets evaluation regroup batches. */
  penaltyPerExample(): tf.Tensor1D {
    return this.lastPenalties === null ? tf.zeros([this.lastBatchSize]) : tf.clone(this.lastPenalties);
  }

  override dispose(): ReturnType<InstanceType<typeof layers.Layer>['dispose']> {
    tf.dispose(this.lastPenalties ?? []);
    this.lastPenalties = null;
    return super.dispose();
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), lambda: this.lambda };
  }
}

tf.serialization.registerClass(ActivityRegularization);
