/**
 * Zero-mean Gaussian scale mixtures (GSM) on a fixed grid of variances, the
 * classical model of filter-response marginals of natural images (Portilla et
 * al. 2003; Weiss & Freeman 2007). Smoothing by Gaussian noise of std σ only
 * adds σ² to every variance, so the noisy marginal's energy
 *
 *   E(z; σ) = −log Σ_k π_k N(z; 0, v_k + σ²)
 *
 * is closed-form in (z, σ): this is what the hand-built starter prior uses.
 */
import { GncError } from '../util/errors.js';

export interface Gsm {
  variances: Float64Array;
  weights: Float64Array;
}

/** Variances log-spaced between (stdMin)² and (stdMax)². */
export function varianceGrid(stdMin: number, stdMax: number, count: number): Float64Array {
  return Float64Array.from({ length: count }, (_, k) => (stdMin * Math.pow(stdMax / stdMin, k / (count - 1))) ** 2);
}

/**
 * Millions of filter responses reduce to a few thousand (value, count) pairs:
 * |z| binned on a log scale (the GSM is symmetric and its shape matters over
 * decades), which makes EM over a whole training set take a second.
 */
export function binAbsolute(samples: ArrayLike<number>, bins = 4000, lo = 1e-6, hi = 10): { values: Float64Array; counts: Float64Array } {
  const counts = new Float64Array(bins);
  const sums = new Float64Array(bins);
  const scale = (bins - 1) / Math.log(hi / lo);
  for (let i = 0; i < samples.length; i++) {
    const a = Math.abs(samples[i]!);
    const b = a <= lo ? 0 : Math.min(bins - 1, Math.round(Math.log(a / lo) * scale));
    counts[b]! += 1;
    sums[b]! += a;
  }
  const keep = [...counts.keys()].filter((b) => counts[b]! > 0);
  return {
    values: Float64Array.from(keep, (b) => sums[b]! / counts[b]!),
    counts: Float64Array.from(keep, (b) => counts[b]!),
  };
}

/**
 * Maximum-likelihood mixture weights by EM with the variances held fixed
 * (a convex problem in the weights, so EM converges to the global optimum).
 * `counts` weights each sample (e.g. from binAbsolute).
 */
export function fitGsmWeights(samples: ArrayLike<number>, variances: Float64Array, iterations = 300, counts?: ArrayLike<number>): Gsm {
  const K = variances.length;
  if (samples.length === 0) throw new GncError('invalid-argument', 'fitGsmWeights: no samples');
  if (counts && counts.length !== samples.length) {
    throw new GncError('invalid-argument', `fitGsmWeights: ${samples.length} samples but ${counts.length} counts`);
  }
  let weights = new Float64Array(K).fill(1 / K);
  const norm = Float64Array.from(variances, (v) => 1 / Math.sqrt(2 * Math.PI * v));
  const halfInv = Float64Array.from(variances, (v) => -0.5 / v);
  const resp = new Float64Array(K);
  for (let it = 0; it < iterations; it++) {
    const acc = new Float64Array(K);
    for (let i = 0; i < samples.length; i++) {
      const z2 = samples[i]! * samples[i]!;
      let total = 0;
      for (let k = 0; k < K; k++) {
        const p = weights[k]! * norm[k]! * Math.exp(halfInv[k]! * z2);
        resp[k] = p;
        total += p;
      }
      if (total <= 0) continue;
      const weight = counts ? counts[i]! / total : 1 / total;
      for (let k = 0; k < K; k++) acc[k]! += resp[k]! * weight;
    }
    const sum = acc.reduce((a, b) => a + b, 0);
    weights = acc.map((a) => a / sum);
  }
  return { variances, weights };
}

/** log(π_k N(z; 0, v_k + σ²)) per component, and their maximum for a stable log-sum-exp. */
function componentLogs(g: Gsm, z: number, sigma: number): { terms: Float64Array; max: number } {
  let max = -Infinity;
  const terms = new Float64Array(g.variances.length);
  for (let k = 0; k < terms.length; k++) {
    const v = g.variances[k]! + sigma * sigma;
    const w = g.weights[k]!;
    terms[k] = w > 0 ? Math.log(w) - 0.5 * Math.log(2 * Math.PI * v) - (z * z) / (2 * v) : -Infinity;
    if (terms[k]! > max) max = terms[k]!;
  }
  return { terms, max };
}

/** E(z; σ) = −log Σ_k π_k N(z; 0, v_k + σ²). */
export function gsmEnergy(g: Gsm, z: number, sigma: number): number {
  const { terms, max } = componentLogs(g, z, sigma);
  let s = 0;
  for (let k = 0; k < terms.length; k++) s += Math.exp(terms[k]! - max);
  return -(max + Math.log(s));
}

/** ∂E/∂z: the posterior-weighted z / (v_k + σ²); σ² times this is the MMSE shrinkage residual. */
export function gsmEnergyDz(g: Gsm, z: number, sigma: number): number {
  const { terms, max } = componentLogs(g, z, sigma);
  let s = 0;
  let d = 0;
  for (let k = 0; k < terms.length; k++) {
    const r = Math.exp(terms[k]! - max);
    s += r;
    d += (r * z) / (g.variances[k]! + sigma * sigma);
  }
  return d / s;
}
