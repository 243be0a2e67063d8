import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { NamedTensor, NamedVariableMap } from '@tensorflow/tfjs-core/dist/tensor_types';
import type { Native } from './native.ts';
import { asWasmBackend, float32Heap, heapOffset } from './wasm-memory.ts';

export const FUSED_ADAM = 'LabFusedAdam';

/**
 * Adam's whole update of a variable (new weights, first and second moment) in one native pass, where
 * tfjs runs ~12 wasm kernels per variable, each a pass over memory. The native loop performs tfjs'
 * operations in tfjs' order in float32 (no fused multiply-add), and wasm's float32 +, ×, ÷ and √ are
 * correctly rounded as the CPU's are, so weights and moments are bit-identical to tf.train.adam's.
 */
export function nativeAdamKernel(native: Native): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const { value, gradient, m, v } = inputs as Record<'value' | 'gradient' | 'm' | 'v', TensorInfo>;
    const backend = asWasmBackend(anyBackend);
    const [newValue, newM, newV] = [value, m, v].map((t) => backend.makeOutput(t.shape, 'float32')) as [TensorInfo, TensorInfo, TensorInfo];
    const offset = (t: TensorInfo) => heapOffset(backend, t);
    native.kernels.adam(
      float32Heap(backend),
      tf.util.sizeFromShape(value.shape),
      offset(value),
      offset(gradient),
      offset(m),
      offset(v),
      offset(newValue),
      offset(newM),
      offset(newV),
      (attrs as { coefficients: Float32Array }).coefficients,
      native.threads,
    );
    return [newValue, newM, newV];
  };
}

/** The AdamOptimizer state that tfjs declares private; the subclass keeps it exactly as tfjs does. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
}

/**
 * tf.train.adam, with the update fused where the native kernels are registered on the wasm backend
 * (same results, same state, same checkpoints); elsewhere, tfjs' own update.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: NamedVariableMap | NamedTensor[]): void {
    if (tf.getBackend() !== 'wasm' || tf.getKernel(FUSED_ADAM, 'wasm') === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    // The scalars as tfjs makes them: float32 tensors of the doubles it computes (1 − β^t in float32).
    const coefficients = Float32Array.of(
      this.beta1,
      this.beta2,
      1 - this.beta1,
      1 - this.beta2,
      this.epsilon,
      -this.learningRate,
      1 - state.accBeta1.dataSync()[0]!,
      1 - state.accBeta2.dataSync()[0]!,
    );
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      if (value === undefined) throw new Error(`Adam: no variable named ${name}`);
      const moment = (suffix: string) => ({ originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) });
      const first = (state.accumulatedFirstMoment[i] ??= moment('m'));
      const second = (state.accumulatedSecondMoment[i] ??= moment('v'));
      const gradient = Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name];
      if (gradient == null) return;
      const inputs = { value, gradient, m: first.variable, v: second.variable };
      const [newValue, newFirst, newSecond] = tf.engine().runKernel(FUSED_ADAM, inputs, { coefficients } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      first.variable.assign(newFirst!);
      second.variable.assign(newSecond!);
      value.assign(newValue!);
      tf.dispose([newValue!, newFirst!, newSecond!]);
    });
    tf.tidy(() => {
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}
