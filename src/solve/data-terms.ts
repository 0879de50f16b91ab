/**
 * Data terms D(x) with their proximal maps (method.md §4). Images are flat
 * Float32Arrays in the solver's layout (samples × pixels × channels).
 */
import { GncError, checkNumber } from '../util/errors.js';

export interface DataTerm {
  readonly kind: 'denoise' | 'inpaint';
  /** D(x). */
  energy(x: Float32Array): number;
  /**
   * prox_{τD}(v) on the index range [start, end) (default: all), written to
   * `out` (default: a new array). Both terms are separable, so ranges let
   * each sample of a batch take its own τ.
   */
  prox(v: Float32Array, tau: number, out?: Float32Array, start?: number, end?: number): Float32Array;
  /** A starting point x₀ for the solvers. */
  initial(): Float32Array;
}

/** Gaussian noise of standard deviation s: D(x) = ‖x − z‖² / (2s²). */
export class DenoisingTerm implements DataTerm {
  readonly kind = 'denoise';
  readonly z: Float32Array;
  readonly s: number;

  constructor(z: Float32Array, s: number) {
    checkNumber('noise level s', s, 1e-6, 10);
    this.z = z;
    this.s = s;
  }

  energy(x: Float32Array): number {
    let sum = 0;
    for (let i = 0; i < x.length; i++) {
      const d = x[i]! - this.z[i]!;
      sum += d * d;
    }
    return sum / (2 * this.s * this.s);
  }

  /** prox_{τD}(v) = (s² v + τ z) / (s² + τ). */
  prox(v: Float32Array, tau: number, out = new Float32Array(v.length), start = 0, end = v.length): Float32Array {
    const s2 = this.s * this.s;
    const a = s2 / (s2 + tau);
    const b = tau / (s2 + tau);
    for (let i = start; i < end; i++) out[i] = a * v[i]! + b * this.z[i]!;
    return out;
  }

  initial(): Float32Array {
    return this.z.slice();
  }
}

/**
 * Inpainting with a binary mask M (1 = observed): D = indicator{M x = M z},
 * prox(v) = M z + (1 − M) v. Unknown pixels start at the mean of the observed
 * values of their sample and channel, a neutral fill.
 */
export class InpaintingTerm implements DataTerm {
  readonly kind = 'inpaint';
  readonly z: Float32Array;
  readonly mask: Float32Array;
  readonly samples: number;
  readonly channels: number;

  constructor(z: Float32Array, mask: Float32Array, samples = 1, channels = 1) {
    if (mask.length !== z.length) {
      throw new GncError('invalid-mask', `The mask has ${mask.length} values but the image has ${z.length}`);
    }
    let observed = 0;
    for (let i = 0; i < mask.length; i++) {
      const m = mask[i]!;
      if (m !== 0 && m !== 1) throw new GncError('invalid-mask', `Mask values must be 0 or 1 but value ${i} is ${m}`);
      observed += m;
    }
    if (observed === 0) throw new GncError('invalid-mask', 'The mask hides every pixel: there is nothing to inpaint from');
    this.z = z;
    this.mask = mask;
    this.samples = samples;
    this.channels = channels;
  }

  energy(x: Float32Array): number {
    // The indicator is 0 on feasible points; solvers keep x feasible through prox,
    // so report the size of any violation instead of Infinity for float noise.
    let worst = 0;
    for (let i = 0; i < x.length; i++) if (this.mask[i]) worst = Math.max(worst, Math.abs(x[i]! - this.z[i]!));
    return worst > 1e-5 ? Infinity : 0;
  }

  prox(v: Float32Array, _tau: number, out = new Float32Array(v.length), start = 0, end = v.length): Float32Array {
    for (let i = start; i < end; i++) out[i] = this.mask[i] ? this.z[i]! : v[i]!;
    return out;
  }

  initial(): Float32Array {
    const out = this.z.slice();
    const per = this.z.length / this.samples;
    for (let b = 0; b < this.samples; b++) {
      for (let c = 0; c < this.channels; c++) {
        let sum = 0;
        let count = 0;
        for (let i = b * per + c; i < (b + 1) * per; i += this.channels) {
          if (this.mask[i]) {
            sum += this.z[i]!;
            count++;
          }
        }
        const fill = count ? sum / count : 0.5;
        for (let i = b * per + c; i < (b + 1) * per; i += this.channels) if (!this.mask[i]) out[i] = fill;
      }
    }
    return out;
  }
}
