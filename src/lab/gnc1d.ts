/**
 * The 1-D GNC experiment of method.md §1 (gnc-priors §2, Figure 1): the GNC
 * flow (Algorithm 1) on the smoothed mixture energies, its attainment rate
 * over (σ₀, T), and the curvature of E(·, σ) with the convexity threshold σ*.
 */
import { GncError, checkInteger, checkNumber } from '../util/errors.js';
import { energyDerivatives, type GaussianMixture1d } from './gaussian-mixture.js';

/**
 * The logarithmic schedule σ_i = σ₀ (σ_min/σ₀)^{i/(T−1)}, i = 0..T−1
 * (method.md §1 (b)). T = 1 is the single level σ₀; σ₀ = σ_min is a constant
 * schedule, i.e. plain preconditioned gradient descent on E(·, σ_min).
 */
export function logSchedule(sigma0: number, sigmaMin: number, steps: number): Float64Array {
  checkNumber('sigmaMin', sigmaMin, Number.MIN_VALUE, 1e6);
  checkNumber('sigma0', sigma0, sigmaMin, 1e6);
  checkInteger('steps', steps, 1, 10_000_000);
  const out = new Float64Array(steps);
  for (let i = 0; i < steps; i++) out[i] = steps === 1 ? sigma0 : sigma0 * Math.pow(sigmaMin / sigma0, i / (steps - 1));
  return out;
}

/**
 * Runs the GNC flow x_{i+1} = x_i − τ σ_i² ∂E(x_i, σ_i) from every start.
 * τ = 1 is eq. 9 of method.md §4.2 (step σ_i², the Tweedie step); it is
 * stable here because σ² E'' ≤ σ² max_j 1/(s_j² + σ²) < 1 < 2.
 * Returns the trajectories, one Float64Array of T + 1 positions per start.
 */
export function gncFlow(mix: GaussianMixture1d, starts: ArrayLike<number>, schedule: ArrayLike<number>, tau = 1): Float64Array[] {
  checkNumber('tau', tau, Number.MIN_VALUE, 1e6);
  const out: Float64Array[] = [];
  for (let k = 0; k < starts.length; k++) {
    const path = new Float64Array(schedule.length + 1);
    let x = starts[k]!;
    path[0] = x;
    for (let i = 0; i < schedule.length; i++) {
      const s = schedule[i]!;
      x -= tau * s * s * energyDerivatives(mix, x, s).gradient;
      path[i + 1] = x;
    }
    out.push(path);
  }
  return out;
}

/** n equally spaced points from a to b inclusive. */
export function linspace(a: number, b: number, n: number): Float64Array {
  checkInteger('n', n, 1, 100_000_000);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = n === 1 ? (a + b) / 2 : a + ((b - a) * i) / (n - 1);
  return out;
}

/** Bisection for a sign change of f on [a, b] (f(a), f(b) of opposite sign or zero) to |b − a| ≤ tol. */
export function bisect(f: (x: number) => number, a: number, b: number, tol = 1e-13): number {
  let fa = f(a);
  if (fa === 0) return a;
  for (let it = 0; it < 200 && Math.abs(b - a) > tol * Math.max(1, Math.abs(a)); it++) {
    const m = 0.5 * (a + b);
    const fm = f(m);
    if (fm === 0) return m;
    if (fm < 0 === fa < 0) {
      a = m;
      fa = fm;
    } else b = m;
  }
  return 0.5 * (a + b);
}

/** Scan resolution for minima over x; the golden-section refinement makes the result exact to ~1e-12 in x. */
const SCAN_POINTS = 2001;

/** Golden-section minimisation of a unimodal f on [a, b]. */
function goldenMin(f: (x: number) => number, a: number, b: number): { x: number; value: number } {
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let it = 0; it < 200 && b - a > 1e-13 * Math.max(1, Math.abs(a)); it++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  const x = 0.5 * (a + b);
  return { x, value: f(x) };
}

/** Global minimum of f over [a, b]: dense scan, then golden section in the two cells around the best grid point. */
export function scanMinimum(f: (x: number) => number, a: number, b: number, points = SCAN_POINTS): { x: number; value: number } {
  const xs = linspace(a, b, points);
  let best = 0;
  let bestValue = Infinity;
  for (let i = 0; i < points; i++) {
    const v = f(xs[i]!);
    if (v < bestValue) {
      bestValue = v;
      best = i;
    }
  }
  const lo = xs[Math.max(0, best - 1)]!;
  const hi = xs[Math.min(points - 1, best + 1)]!;
  const refined = goldenMin(f, lo, hi);
  return refined.value <= bestValue ? refined : { x: xs[best]!, value: bestValue };
}

/**
 * The x-range on which E(·, σ) can be non-convex: the components' means
 * widened by 6 smoothed standard deviations. Beyond it one component's
 * responsibility is 1 up to e^{-18}, so E'' ≈ 1/(s_j² + σ²) > 0 there.
 */
export function curvatureRange(mix: GaussianMixture1d, sigma: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  let widest = 0;
  for (let j = 0; j < mix.means.length; j++) {
    lo = Math.min(lo, mix.means[j]!);
    hi = Math.max(hi, mix.means[j]!);
    widest = Math.max(widest, mix.stds[j]!);
  }
  const reach = 6 * Math.sqrt(widest * widest + sigma * sigma);
  return [lo - reach, hi + reach];
}

/** min_x ∂²E(x, σ) and where it is attained (method.md §1 (c)). */
export function minCurvature(mix: GaussianMixture1d, sigma: number): { x: number; value: number } {
  const [a, b] = curvatureRange(mix, sigma);
  return scanMinimum((x) => energyDerivatives(mix, x, sigma).curvature, a, b);
}

/**
 * The convexity threshold σ* = inf{σ̄ : E(·, σ) is convex for every σ ≥ σ̄}
 * (Theorem 2.2, method.md §1). A log-spaced scan of σ finds the largest level
 * at which min_x E'' < 0; bisection on min_x E'' between it and the next level
 * (convex, as is every level above it in the scan) pins the crossing down.
 * Scanning first, rather than bisecting on [σ_lo, σ_hi] at once, keeps the
 * answer the *last* crossing even if min_x E'' were not monotone in σ.
 */
export function convexityThreshold(
  mix: GaussianMixture1d,
  options: { sigmaLow?: number; sigmaHigh?: number; levels?: number; tol?: number } = {},
): { sigma: number; bracket: [number, number] } {
  const sigmaLow = options.sigmaLow ?? 1e-3;
  const sigmaHigh = options.sigmaHigh ?? 10;
  const levels = options.levels ?? 120;
  const h = (s: number) => minCurvature(mix, s).value;
  if (h(sigmaHigh) < 0) throw new GncError('invalid-argument', `E(·, σ) is still non-convex at σ = ${sigmaHigh}; raise sigmaHigh`);
  if (h(sigmaLow) >= 0) return { sigma: sigmaLow, bracket: [sigmaLow, sigmaLow] }; // convex over the whole scan
  const grid = Array.from({ length: levels }, (_, i) => sigmaLow * Math.pow(sigmaHigh / sigmaLow, i / (levels - 1)));
  let last = 0;
  for (let i = 0; i < levels; i++) if (h(grid[i]!) < 0) last = i;
  const a = grid[last]!;
  const b = grid[last + 1]!;
  return { sigma: bisect(h, a, b, options.tol ?? 1e-12), bracket: [a, b] };
}

/** The global minimiser of E(·, σ) on [a, b], refined by Newton's method on E'. */
export function globalMinimum(mix: GaussianMixture1d, sigma: number, a: number, b: number): number {
  let x = scanMinimum((t) => energyDerivatives(mix, t, sigma).energy, a, b, 20_001).x;
  for (let it = 0; it < 50; it++) {
    const d = energyDerivatives(mix, x, sigma);
    if (d.curvature <= 0) break;
    const step = d.gradient / d.curvature;
    x -= step;
    if (Math.abs(step) < 1e-15) break;
  }
  return x;
}

/**
 * The basin of attraction of E(·, σ)'s minimum at xStar under gradient descent:
 * the open interval between the nearest local maxima of E on either side
 * (E' changes sign there), or ±Infinity when E keeps falling towards x*.
 */
export function basinOf(mix: GaussianMixture1d, sigma: number, xStar: number, reach = 10, step = 1e-3): [number, number] {
  const g = (x: number) => energyDerivatives(mix, x, sigma).gradient;
  let left = -Infinity;
  for (let x = xStar - step; x > xStar - reach; x -= step) {
    if (g(x) >= 0) {
      left = bisect(g, x, x + step);
      break;
    }
  }
  let right = Infinity;
  for (let x = xStar + step; x < xStar + reach; x += step) {
    if (g(x) <= 0) {
      right = bisect(g, x - step, x);
      break;
    }
  }
  return [left, right];
}

export interface AttainmentSetup {
  mix: GaussianMixture1d;
  /** Equally spaced starts x_0 over the domain. */
  starts: Float64Array;
  /** Final smoothing of every schedule. */
  sigmaMin: number;
  /** The global minimiser of E(·, σ_min) and its basin. */
  xStar: number;
  basin: [number, number];
  tau: number;
}

export function attainmentSetup(mix: GaussianMixture1d, domain: readonly [number, number], options: { starts?: number; sigmaMin?: number; tau?: number } = {}): AttainmentSetup {
  const sigmaMin = options.sigmaMin ?? 0.01;
  const starts = linspace(domain[0], domain[1], checkInteger('starts', options.starts ?? 101, 2, 1_000_000));
  const xStar = globalMinimum(mix, sigmaMin, domain[0], domain[1]);
  return { mix, starts, sigmaMin, xStar, basin: basinOf(mix, sigmaMin, xStar), tau: options.tau ?? 1 };
}

/**
 * The attainment rate: the share of trajectories whose end point x_T lies in
 * the basin of the global minimum of E(·, σ_min), the last energy of the
 * schedule; from there gradient descent on E(·, σ_min) reaches the global
 * minimum, which is the paper's "converging to the global minimum".
 */
export function attainmentRate(setup: AttainmentSetup, sigma0: number, steps: number): number {
  const paths = gncFlow(setup.mix, setup.starts, logSchedule(sigma0, setup.sigmaMin, steps), setup.tau);
  let hits = 0;
  for (const p of paths) {
    const end = p[p.length - 1]!;
    if (end > setup.basin[0] && end < setup.basin[1]) hits++;
  }
  return hits / paths.length;
}

/** The attainment rate for every (σ₀, T): rates[i][j] is for sigma0s[i] and steps[j]. */
export function attainmentGrid(setup: AttainmentSetup, sigma0s: readonly number[], steps: readonly number[]): number[][] {
  return sigma0s.map((s0) => steps.map((t) => attainmentRate(setup, s0, t)));
}
