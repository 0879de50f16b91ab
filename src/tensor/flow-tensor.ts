/**
 * The proximal steps of the GNC flow and of a learned VN schedule
 * (solve/gnc-flow.ts `proximalSteps`, method.md §4.2) on tensors:
 *
 *   x_{i+1} = prox_{λ_i σ_i² D}(x_i − λ_i σ_i² ∇ₓR(x_i, log σ_i))
 *
 * with the prior as a TensorFoE, so a whole solve stays on the device (the
 * WebGPU worker downloads only the result). Same data terms as
 * solve/data-terms.ts. Pure tfjs-core, like foe-tensor.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorFoE } from './foe-tensor.js';
import { GncError, checkNumber, throwIfAborted } from '../util/errors.js';

export interface TensorDataTerm {
  readonly kind: 'denoise' | 'inpaint';
  /** prox_{τD}(v); does not dispose v. */
  prox(v: tf.Tensor4D, tau: number): tf.Tensor4D;
  /** A starting point x₀ (a new tensor). */
  initial(): tf.Tensor4D;
  dispose(): void;
}

/** Gaussian noise of standard deviation s: prox_{τD}(v) = (s² v + τ z) / (s² + τ). Keeps z until disposed. */
export class TensorDenoisingTerm implements TensorDataTerm {
  readonly kind = 'denoise';
  readonly #z: tf.Tensor4D;
  readonly s: number;

  constructor(z: tf.Tensor4D, s: number) {
    checkNumber('noise level s', s, 1e-6, 10);
    this.#z = tf.keep(z.clone());
    this.s = s;
  }

  prox(v: tf.Tensor4D, tau: number): tf.Tensor4D {
    const s2 = this.s * this.s;
    return tf.tidy(() => tf.add(tf.mul(v, s2 / (s2 + tau)), tf.mul(this.#z, tau / (s2 + tau))) as tf.Tensor4D);
  }

  initial(): tf.Tensor4D {
    return this.#z.clone();
  }

  dispose(): void {
    this.#z.dispose();
  }
}

/**
 * Inpainting with a binary mask M (1 = observed, shaped like z):
 * prox(v) = M z + (1 − M) v; unknown pixels start at the mean of the
 * observed values of their sample and channel (0.5 where none is observed).
 */
export class TensorInpaintingTerm implements TensorDataTerm {
  readonly kind = 'inpaint';
  readonly #z: tf.Tensor4D;
  readonly #mask: tf.Tensor4D;

  constructor(z: tf.Tensor4D, mask: tf.Tensor4D) {
    if (mask.size !== z.size) throw new GncError('invalid-mask', `The mask has ${mask.size} values but the image has ${z.size}`);
    this.#z = tf.keep(z.clone());
    this.#mask = tf.keep(mask.reshape(z.shape) as tf.Tensor4D);
  }

  prox(v: tf.Tensor4D, _tau: number): tf.Tensor4D {
    return tf.tidy(() => tf.where(tf.greater(this.#mask, 0.5), this.#z, v) as tf.Tensor4D);
  }

  initial(): tf.Tensor4D {
    return tf.tidy(() => {
      const count = tf.sum(this.#mask, [1, 2], true);
      const mean = tf.div(tf.sum(tf.mul(this.#z, this.#mask), [1, 2], true), tf.maximum(count, 1));
      const fill = tf.where(tf.greater(count, 0), mean, tf.fill(count.shape, 0.5));
      return tf.where(tf.greater(this.#mask, 0.5), this.#z, tf.broadcastTo(fill, this.#z.shape)) as tf.Tensor4D;
    });
  }

  dispose(): void {
    this.#z.dispose();
    this.#mask.dispose();
  }
}

export interface TensorStepOptions {
  signal?: AbortSignal;
  /**
   * Called after every step. When given, each step waits for the device to
   * finish it (a one-value read), so progress is real and a cancel between
   * steps is seen; without it the steps are queued back to back.
   */
  onStep?: (step: number, total: number, sigma: number) => void;
  /** Start here instead of the data term's initial point (not disposed). */
  x0?: tf.Tensor4D;
}

/** Runs the proximal steps for given σ_i and λ_i; returns x_T (the caller disposes it). */
export async function proximalStepsTensor(
  prior: TensorFoE,
  data: TensorDataTerm,
  sigmas: readonly number[],
  stepScales: readonly number[],
  options: TensorStepOptions = {},
): Promise<tf.Tensor4D> {
  if (stepScales.length !== sigmas.length) {
    throw new GncError('invalid-argument', `Expected one step scale per σ (${sigmas.length}) but received ${stepScales.length}`);
  }
  sigmas.forEach((s, i) => checkNumber(`sigma ${i + 1}`, s, 1e-6, 10));
  stepScales.forEach((s, i) => checkNumber(`step scale ${i + 1}`, s, 1e-6, 100));
  let x = options.x0 ? options.x0.clone() : data.initial();
  try {
    for (let i = 0; i < sigmas.length; i++) {
      throwIfAborted(options.signal, 'GNC flow');
      const sigma = sigmas[i]!;
      const tau = stepScales[i]! * sigma * sigma;
      const t = new Array<number>(x.shape[0]).fill(Math.log(sigma));
      const next = tf.tidy(() => {
        const g = prior.evaluate(x, t, { gradX: true }).gradX!;
        return data.prox(tf.sub(x, tf.mul(g, tau)) as tf.Tensor4D, tau);
      });
      x.dispose();
      x = next;
      if (options.onStep) {
        // One value read back: the step has run on the device when it resolves.
        const probe = tf.slice(x, [0, 0, 0, 0], [1, 1, 1, 1]);
        await probe.data();
        probe.dispose();
        options.onStep(i + 1, sigmas.length, sigma);
      }
    }
    throwIfAborted(options.signal, 'GNC flow');
    return x;
  } catch (err) {
    x.dispose();
    throw err;
  }
}
