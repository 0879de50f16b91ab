/**
 * The 1-D Gaussian mixture of method.md §1 (gnc-priors §2, Figure 1) and its
 * smoothed energies E(x, σ) = −log p_σ(x), where p_σ = p ∗ N(0, σ²) is again a
 * mixture: convolving N(μ_j, s_j²) with N(0, σ²) gives N(μ_j, s_j² + σ²).
 * Everything is closed form, so the GNC flow, the curvature scan and the
 * convexity threshold need no numerical differentiation.
 */
import { GncError, checkNumber, invalidArgument } from '../util/errors.js';

export interface GaussianMixture1d {
  /** Mixture weights w_j > 0, summing to 1. */
  readonly weights: readonly number[];
  /** Component means μ_j. */
  readonly means: readonly number[];
  /** Component standard deviations s_j > 0 (before smoothing). */
  readonly stds: readonly number[];
}

/**
 * The five-component mixture of Figure 1. The paper's values did not survive
 * text extraction; these are the ones method.md §1 proposes: well separated,
 * unequal weights, the heaviest and narrowest component at 0 so that the
 * global minimum of E(·, 0) is at x = 0, on the domain [−1, 1].
 */
export const FIGURE1_MIXTURE: GaussianMixture1d = Object.freeze({
  weights: Object.freeze([0.15, 0.2, 0.3, 0.2, 0.15]),
  means: Object.freeze([-0.8, -0.45, 0, 0.35, 0.75]),
  stds: Object.freeze([0.06, 0.05, 0.04, 0.08, 0.07]),
});

/** The interval the Figure-1 experiments start their trajectories on. */
export const FIGURE1_DOMAIN: readonly [number, number] = Object.freeze([-1, 1] as [number, number]);

/** Throws unless the mixture is well formed (equal lengths, positive weights summing to 1, positive stds). */
export function checkMixture(mix: GaussianMixture1d): GaussianMixture1d {
  const k = mix.weights.length;
  if (k === 0 || mix.means.length !== k || mix.stds.length !== k) {
    throw invalidArgument('the mixture', 'equally long, non-empty weights, means and stds', {
      weights: mix.weights.length,
      means: mix.means.length,
      stds: mix.stds.length,
    });
  }
  let total = 0;
  for (let j = 0; j < k; j++) {
    total += checkNumber(`weight ${j}`, mix.weights[j], Number.MIN_VALUE, 1);
    checkNumber(`mean ${j}`, mix.means[j], -1e6, 1e6);
    checkNumber(`std ${j}`, mix.stds[j], Number.MIN_VALUE, 1e6);
  }
  if (Math.abs(total - 1) > 1e-9) throw new GncError('invalid-argument', `Expected mixture weights summing to 1 but they sum to ${total}`);
  return mix;
}

/** E(x, σ) and its first two x-derivatives. */
export interface EnergyDerivatives {
  energy: number;
  gradient: number;
  curvature: number;
}

/**
 * E, ∂E/∂x and ∂²E/∂x² at (x, σ). With v_j = s_j² + σ², u_j = (x − μ_j)/v_j and
 * responsibilities r_j = w_j N(x; μ_j, v_j) / p_σ(x):
 *   E   = −log Σ_j w_j N(x; μ_j, v_j)
 *   E'  = Σ_j r_j u_j
 *   E'' = Σ_j r_j (1/v_j − u_j²) + (Σ_j r_j u_j)²
 * (from E' = −p'/p, E'' = −p''/p + (p'/p)² and N'' = (u² − 1/v) N). The
 * responsibilities come from a log-sum-exp, so far-away x neither
 * underflows nor divides 0 by 0.
 */
export function energyDerivatives(mix: GaussianMixture1d, x: number, sigma: number): EnergyDerivatives {
  const k = mix.weights.length;
  const s2 = sigma * sigma;
  let maxLog = -Infinity;
  const logTerms = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const v = mix.stds[j]! * mix.stds[j]! + s2;
    const d = x - mix.means[j]!;
    const l = Math.log(mix.weights[j]!) - 0.5 * Math.log(2 * Math.PI * v) - (d * d) / (2 * v);
    logTerms[j] = l;
    if (l > maxLog) maxLog = l;
  }
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp(logTerms[j]! - maxLog);
  let first = 0;
  let second = 0;
  for (let j = 0; j < k; j++) {
    const r = Math.exp(logTerms[j]! - maxLog) / sum;
    const v = mix.stds[j]! * mix.stds[j]! + s2;
    const u = (x - mix.means[j]!) / v;
    first += r * u;
    second += r * (1 / v - u * u);
  }
  return { energy: -(maxLog + Math.log(sum)), gradient: first, curvature: second + first * first };
}

export function energy(mix: GaussianMixture1d, x: number, sigma: number): number {
  return energyDerivatives(mix, x, sigma).energy;
}

export function energyGradient(mix: GaussianMixture1d, x: number, sigma: number): number {
  return energyDerivatives(mix, x, sigma).gradient;
}

export function energyCurvature(mix: GaussianMixture1d, x: number, sigma: number): number {
  return energyDerivatives(mix, x, sigma).curvature;
}

/** Draws n samples of the (unsmoothed) mixture with `gaussian` and `uniform` from a seeded Prng. */
export function sampleMixture(mix: GaussianMixture1d, n: number, rng: { uniform(): number; gaussian(): number }): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform();
    let j = 0;
    while (j < mix.weights.length - 1 && u >= mix.weights[j]!) u -= mix.weights[j++]!;
    out[i] = mix.means[j]! + mix.stds[j]! * rng.gaussian();
  }
  return out;
}
