/**
 * Unadjusted Langevin sampling in 1-D (method.md §5; convex paper Alg. 2):
 * x ← x + ε s(x) + √(2ε) ξ, ξ ~ N(0, 1), run on many independent chains so
 * that their end points are independent samples. Plus the two reference
 * quantities the lab compares samples with: the moments of the density
 * p ∝ exp(∫ s) a score implies (by quadrature), and ULA's known bias for a
 * Gaussian target.
 */
import { checkInteger, checkNumber } from '../util/errors.js';
import type { Prng } from '../util/random.js';

export interface LangevinOptions {
  chains: number;
  steps: number;
  /** ε. */
  stepSize: number;
  /** Chains start uniformly on this interval (e.g. the data's range). */
  start: [number, number];
}

/** The end points of `chains` independent ULA chains after `steps` steps. */
export function langevinSamples(score: (x: number) => number, options: LangevinOptions, rng: Prng): Float64Array {
  checkInteger('chains', options.chains, 1, 100_000_000);
  checkInteger('steps', options.steps, 0, 100_000_000);
  const eps = checkNumber('stepSize', options.stepSize, Number.MIN_VALUE, 1e6);
  const noise = Math.sqrt(2 * eps);
  const [lo, hi] = options.start;
  const out = new Float64Array(options.chains);
  for (let c = 0; c < options.chains; c++) {
    let x = lo + (hi - lo) * rng.uniform();
    for (let t = 0; t < options.steps; t++) x += eps * score(x) + noise * rng.gaussian();
    out[c] = x;
  }
  return out;
}

/**
 * ULA on the Gaussian score −(x − μ)/v is the AR(1) chain
 * x' = (1 − ε/v) x + ε μ/v + √(2ε) ξ, whose stationary law is N(μ, V) with
 * V = 2ε / (1 − (1 − ε/v)²) = v / (1 − ε/(2v)): the step size inflates the variance.
 */
export function ulaGaussianVariance(variance: number, stepSize: number): number {
  return variance / (1 - stepSize / (2 * variance));
}

export interface Histogram {
  edges: Float64Array;
  counts: Float64Array;
  /** counts / (total · bin width): comparable with a density. */
  density: Float64Array;
}

/** Equal-width histogram on [lo, hi]; values outside are not counted (but count in the density's total). */
export function histogram(values: ArrayLike<number>, lo: number, hi: number, bins: number): Histogram {
  checkInteger('bins', bins, 1, 1_000_000);
  const edges = Float64Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= lo && v <= hi)) continue;
    counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]!++;
  }
  const width = (hi - lo) / bins;
  const density = counts.map((c) => c / (values.length * width));
  return { edges, counts, density };
}

/**
 * Mean and variance of p ∝ exp(∫ s) on [lo, hi], by the trapezoidal rule on
 * `points` nodes (log p accumulated by trapezoids of s, then shifted by its
 * maximum before exponentiating). The interval must hold all but a
 * negligible part of the mass.
 */
export function scoreDensityMoments(score: (x: number) => number, lo: number, hi: number, points = 20_001): { mean: number; variance: number } {
  checkInteger('points', points, 3, 100_000_000);
  const h = (hi - lo) / (points - 1);
  const logp = new Float64Array(points);
  let prev = score(lo);
  for (let i = 1; i < points; i++) {
    const cur = score(lo + i * h);
    logp[i] = logp[i - 1]! + 0.5 * h * (prev + cur);
    prev = cur;
  }
  let top = -Infinity;
  for (const v of logp) top = Math.max(top, v);
  let mass = 0;
  let first = 0;
  let second = 0;
  for (let i = 0; i < points; i++) {
    const w = (i === 0 || i === points - 1 ? 0.5 : 1) * Math.exp(logp[i]! - top);
    const x = lo + i * h;
    mass += w;
    first += w * x;
    second += w * x * x;
  }
  const mean = first / mass;
  return { mean, variance: second / mass - mean * mean };
}

/** Sample mean and unbiased sample variance, with their standard errors for independent samples. */
export function sampleMoments(values: ArrayLike<number>): { mean: number; variance: number; meanStdErr: number; varianceStdErr: number } {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i]! - mean) ** 2;
    m2 += d;
    m4 += d * d;
  }
  const variance = m2 / (n - 1);
  // Var(s²) ≈ (μ₄ − σ⁴)/n: estimated from the sample, so heavy or light tails are accounted for.
  const mu4 = m4 / n;
  return { mean, variance, meanStdErr: Math.sqrt(variance / n), varianceStdErr: Math.sqrt(Math.max(0, mu4 - variance * variance) / n) };
}
