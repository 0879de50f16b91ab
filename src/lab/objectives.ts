/**
 * Score-matching objectives for small parametrised score models (method.md
 * §5, the lecture; gnc-priors §3.2), each an empirical mean over the samples:
 *  - implicit (Hyvärinen) SM:  ½‖s(x)‖² + tr ∇ₓs(x)
 *  - sliced SM (Song et al.):  vᵀ∇ₓs(x) v + ½ (vᵀs(x))², v a random direction
 *  - denoising SM at one σ:    ½‖s(x + σz) + z/σ‖²   (= ½‖s(x̃) + (x̃ − x)/σ²‖²)
 *  - NCSN's weighted sum:      (1/L) Σ_l σ_l² · DSM_l = (1/L) Σ_l ½‖σ_l s(x + σ_l z, σ_l) + z‖²
 * Noise and projections are passed in (drawn once from a seeded Prng, or a
 * quadrature rule), so every objective is a deterministic function of θ.
 */
import { checkInteger, invalidArgument } from '../util/errors.js';
import type { Prng } from '../util/random.js';

/** A score model s(x; θ, σ) on R^d; σ is ignored by models without noise conditioning. */
export interface ScoreModel {
  readonly dim: number;
  readonly parameters: number;
  score(theta: Float64Array, x: Float64Array, sigma: number): Float64Array;
  /** ∂s_a/∂x_b, d×d row-major. */
  jacobian(theta: Float64Array, x: Float64Array, sigma: number): Float64Array;
}

/** Samples as one flat array of n·d coordinates. */
export interface Samples {
  dim: number;
  values: Float64Array;
}

/** Noise draws per sample: z holds n·K·d values (sample-major), weights the K quadrature weights (summing to 1). */
export interface NoiseDraws {
  perSample: number;
  z: Float64Array;
  weights: Float64Array;
}

function count(samples: Samples): number {
  if (samples.values.length % samples.dim !== 0 || samples.values.length === 0) {
    throw invalidArgument('the samples', `a non-empty multiple of ${samples.dim} values`, samples.values.length);
  }
  return samples.values.length / samples.dim;
}

function point(samples: Samples, i: number): Float64Array {
  return samples.values.subarray(i * samples.dim, (i + 1) * samples.dim);
}

export function implicitScoreMatching(model: ScoreModel, theta: Float64Array, samples: Samples): number {
  const n = count(samples);
  const d = samples.dim;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = point(samples, i);
    const s = model.score(theta, x, 0);
    const j = model.jacobian(theta, x, 0);
    let term = 0;
    for (let a = 0; a < d; a++) term += 0.5 * s[a]! * s[a]! + j[a * d + a]!;
    total += term;
  }
  return total / n;
}

/**
 * Sliced SM with `projections` holding n·M·d direction coordinates (M per
 * sample). With E[vvᵀ] = I/d (uniform unit directions) it is ISM/d in
 * expectation; with an orthonormal frame per sample (M = d) it is exactly
 * ISM/d, since Σ_k v_kᵀ J v_k = tr J and Σ_k (v_kᵀ s)² = ‖s‖².
 */
export function slicedScoreMatching(model: ScoreModel, theta: Float64Array, samples: Samples, projections: Float64Array): number {
  const n = count(samples);
  const d = samples.dim;
  const m = projections.length / (n * d);
  if (!Number.isInteger(m) || m < 1) throw invalidArgument('the projections', `a positive multiple of ${n * d} values`, projections.length);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = point(samples, i);
    const s = model.score(theta, x, 0);
    const j = model.jacobian(theta, x, 0);
    for (let k = 0; k < m; k++) {
      const v = projections.subarray((i * m + k) * d, (i * m + k + 1) * d);
      let vs = 0;
      let vjv = 0;
      for (let a = 0; a < d; a++) {
        vs += v[a]! * s[a]!;
        for (let b = 0; b < d; b++) vjv += v[a]! * j[a * d + b]! * v[b]!;
      }
      total += vjv + 0.5 * vs * vs;
    }
  }
  return total / (n * m);
}

/** Uniform random unit directions, M per sample. */
export function randomUnitProjections(n: number, perSample: number, dim: number, rng: Prng): Float64Array {
  const out = new Float64Array(n * perSample * dim);
  for (let k = 0; k < n * perSample; k++) {
    let norm = 0;
    for (let a = 0; a < dim; a++) {
      const g = rng.gaussian();
      out[k * dim + a] = g;
      norm += g * g;
    }
    norm = Math.sqrt(norm);
    for (let a = 0; a < dim; a++) out[k * dim + a]! /= norm;
  }
  return out;
}

/** A random orthonormal frame per sample (Gram–Schmidt of Gaussian vectors): d directions each. */
export function orthonormalFrames(n: number, dim: number, rng: Prng): Float64Array {
  const out = new Float64Array(n * dim * dim);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < dim; k++) {
      const v = out.subarray((i * dim + k) * dim, (i * dim + k + 1) * dim);
      for (;;) {
        for (let a = 0; a < dim; a++) v[a] = rng.gaussian();
        for (let l = 0; l < k; l++) {
          const u = out.subarray((i * dim + l) * dim, (i * dim + l + 1) * dim);
          let dot = 0;
          for (let a = 0; a < dim; a++) dot += u[a]! * v[a]!;
          for (let a = 0; a < dim; a++) v[a]! -= dot * u[a]!;
        }
        const norm = Math.hypot(...v);
        if (norm > 1e-8) {
          for (let a = 0; a < dim; a++) v[a]! /= norm;
          break;
        }
      }
    }
  }
  return out;
}

/** K standard Gaussian draws per sample, equally weighted (Monte Carlo). */
export function gaussianNoise(n: number, perSample: number, dim: number, rng: Prng): NoiseDraws {
  checkInteger('perSample', perSample, 1, 1_000_000);
  const z = new Float64Array(n * perSample * dim);
  for (let k = 0; k < z.length; k++) z[k] = rng.gaussian();
  return { perSample, z, weights: new Float64Array(perSample).fill(1 / perSample) };
}

/**
 * The 3-point Gauss–Hermite rule for N(0, 1) in 1-D (nodes 0, ±√3; weights
 * 2/3, 1/6, 1/6), the same for every sample: exact for polynomials of degree
 * ≤ 5 in z, so for linear scores — whose DSM losses are quadratic in z — it
 * gives the exact noise expectation.
 */
export function gaussHermiteNoise(n: number): NoiseDraws {
  const nodes = [0, Math.sqrt(3), -Math.sqrt(3)];
  const z = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) z.set(nodes, i * 3);
  return { perSample: 3, z, weights: Float64Array.from([2 / 3, 1 / 6, 1 / 6]) };
}

/** Denoising SM at one σ: mean over samples and weighted noise draws of ½‖s(x + σz, σ) + z/σ‖². */
export function denoisingScoreMatching(model: ScoreModel, theta: Float64Array, samples: Samples, sigma: number, noise: NoiseDraws): number {
  const n = count(samples);
  const d = samples.dim;
  const k = noise.perSample;
  if (noise.z.length !== n * k * d) throw invalidArgument('the noise draws', `${n * k * d} values`, noise.z.length);
  const xt = new Float64Array(d);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = point(samples, i);
    for (let r = 0; r < k; r++) {
      const z = noise.z.subarray((i * k + r) * d, (i * k + r + 1) * d);
      for (let a = 0; a < d; a++) xt[a] = x[a]! + sigma * z[a]!;
      const s = model.score(theta, xt, sigma);
      let term = 0;
      for (let a = 0; a < d; a++) term += 0.5 * (s[a]! + z[a]! / sigma) ** 2;
      total += noise.weights[r]! * term;
    }
  }
  return total / n;
}

/** NCSN (Song & Ermon): the mean over levels of λ(σ)·DSM(σ) with λ(σ) = σ², which makes every level's term O(1). */
export function ncsnLoss(model: ScoreModel, theta: Float64Array, samples: Samples, sigmas: readonly number[], noise: readonly NoiseDraws[]): number {
  if (noise.length !== sigmas.length) throw invalidArgument('the noise draws', `one set per level (${sigmas.length})`, noise.length);
  let total = 0;
  sigmas.forEach((sigma, l) => (total += sigma * sigma * denoisingScoreMatching(model, theta, samples, sigma, noise[l]!)));
  return total / sigmas.length;
}

/**
 * The linear (Gaussian) score s(x) = h − P x with P symmetric: θ = (h, upper
 * triangle of P by rows). Mean P⁻¹h, covariance P⁻¹. The ISM, SSM and DSM
 * losses are quadratic in θ, so their minimisers are found exactly.
 */
export function linearScoreModel(dim: number): ScoreModel & { precision(theta: Float64Array): Float64Array } {
  checkInteger('dim', dim, 1, 64);
  const precision = (theta: Float64Array): Float64Array => {
    const p = new Float64Array(dim * dim);
    let k = dim;
    for (let a = 0; a < dim; a++) {
      for (let b = a; b < dim; b++) {
        p[a * dim + b] = p[b * dim + a] = theta[k++]!;
      }
    }
    return p;
  };
  return {
    dim,
    parameters: dim + (dim * (dim + 1)) / 2,
    precision,
    score(theta, x) {
      const p = precision(theta);
      const s = new Float64Array(dim);
      for (let a = 0; a < dim; a++) {
        let v = theta[a]!;
        for (let b = 0; b < dim; b++) v -= p[a * dim + b]! * x[b]!;
        s[a] = v;
      }
      return s;
    },
    jacobian(theta) {
      return precision(theta).map((v) => -v);
    },
  };
}

/**
 * A noise-conditional Gaussian score in 1-D, s(x, σ) = −(x − μ)/(v + σ²), with
 * θ = (μ, log v): the exact score of N(μ, v) smoothed by N(0, σ²), one set of
 * parameters shared by all levels, as NCSN's one network for all σ.
 */
export const noiseConditionalGaussian: ScoreModel = {
  dim: 1,
  parameters: 2,
  score(theta, x, sigma) {
    return Float64Array.of(-(x[0]! - theta[0]!) / (Math.exp(theta[1]!) + sigma * sigma));
  },
  jacobian(theta, _x, sigma) {
    return Float64Array.of(-1 / (Math.exp(theta[1]!) + sigma * sigma));
  },
};
