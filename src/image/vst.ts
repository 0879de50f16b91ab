/**
 * Variance stabilisation for Poisson–Gaussian camera noise, var(z) = a·x + b
 * on the [0, 1] scale, so that a Gaussian denoiser can remove it.
 *
 * Forward: the generalized Anscombe transform (GAT; F. J. Anscombe 1948,
 * generalized by F. Murtagh, J.-L. Starck, A. Bijaoui 1995). In photon units
 * (z̃ = z/a, σ̃² = b/a²) it reads f(z̃) = 2·√(z̃ + 3/8 + σ̃²), and f(z) has
 * approximately unit variance whatever x is.
 *
 * Inverse: the closed-form approximation of the exact unbiased inverse of
 * M. Mäkitalo and A. Foi, "Optimal inversion of the generalized Anscombe
 * transformation for Poisson-Gaussian noise", IEEE TIP 22(1):91–103, 2013:
 *   I(D, σ̃) = D²/4 + ¼√(3/2)·D⁻¹ − 11/8·D⁻² + ⅝√(3/2)·D⁻³ − 1/8 − σ̃²,
 * clamped at 0. A denoiser estimates E[f(z) | x], not f(E z); the algebraic
 * inverse D²/4 − 3/8 − σ̃² of that is biased at low counts, this one is not.
 * The formula is increasing for D ≥ 1 and negative at D = 1, so values
 * below D = 1 map to 0.
 *
 * The engine denoises images on [0, 1] with σ ≤ 1, so the stabilised image
 * is mapped affinely to f(0) → 0, f(1) → 1; its noise σ is then the scale of
 * that map.
 */
import { GncError } from '../util/errors.js';
import type { PoissonGaussianParams } from './noise-estimate.js';

/** Below this gain (on [0, 1]) the noise is treated as Gaussian of variance b: the GAT would only add rounding error. */
const GAUSSIAN_GAIN = 1e-9;
const R32 = Math.sqrt(1.5);

/** GAT in photon units: 2·√(z̃ + 3/8 + σ̃²), 0 where the root's argument is negative. */
export function anscombe(counts: number, sigmaCounts2: number): number {
  return 2 * Math.sqrt(Math.max(0, counts + 0.375 + sigmaCounts2));
}

/** The algebraic inverse of anscombe (biased after denoising; for tests and round trips). */
export function anscombeAlgebraicInverse(d: number, sigmaCounts2: number): number {
  return (d * d) / 4 - 0.375 - sigmaCounts2;
}

/** Mäkitalo & Foi's closed-form approximation of the exact unbiased inverse (see the header). */
export function anscombeUnbiasedInverse(d: number, sigmaCounts2: number): number {
  if (!(d >= 1)) return 0;
  const v = (d * d) / 4 + (0.25 * R32) / d - 11 / 8 / (d * d) + (0.625 * R32) / (d * d * d) - 0.125 - sigmaCounts2;
  return Math.max(0, v);
}

export interface Stabiliser {
  params: PoissonGaussianParams;
  /** The noise σ of the stabilised image on the engine's [0, 1] scale. */
  sigma: number;
  /** Noisy values (on [0, 1]) → stabilised values on about [0, 1] with noise σ. */
  forward(data: Float32Array): Float32Array;
  /** Denoised stabilised values → intensities on [0, 1] (unbiased inverse). */
  inverse(data: Float32Array): Float32Array;
}

/**
 * The GAT for noise `params`, scaled to the engine's range. Pure Gaussian
 * noise (a ≈ 0) gives the identity with σ = √b.
 */
export function stabiliser(params: PoissonGaussianParams): Stabiliser {
  const { a, b } = params;
  if (!(a >= 0) || !Number.isFinite(a) || !Number.isFinite(b)) throw new GncError('invalid-argument', `Noise model: expected a finite gain a ≥ 0 and offset b, got a = ${a}, b = ${b}`);
  if (a < GAUSSIAN_GAIN) {
    if (!(b > 0)) throw new GncError('invalid-argument', `Noise model: with no signal-dependent part (a = ${a}) the variance b must be > 0, got ${b}`);
    const sigma = Math.sqrt(b);
    return { params, sigma, forward: (data) => data.slice(), inverse: (data) => data.slice() };
  }
  const s2 = b / (a * a);
  const lo = anscombe(0, s2);
  const span = anscombe(1 / a, s2) - lo;
  const scale = 1 / span;
  return {
    params,
    sigma: scale,
    forward: (data) => data.map((z) => (anscombe(z / a, s2) - lo) * scale),
    inverse: (data) => data.map((y) => a * anscombeUnbiasedInverse(y * span + lo, s2)),
  };
}
