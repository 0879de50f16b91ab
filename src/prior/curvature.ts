/**
 * How convex is R(·, t)? The GNC paper (Theorem 2.2) says the smoothed energy
 * becomes convex for large σ; a learned prior should show it. The curvature
 * along a direction v is vᵀ∇²R v / ‖v‖², from Hessian-vector products by
 * central differences of ∇ₓR. Random directions sample typical curvature; the
 * smallest eigenvalue of the Hessian (power iteration on cI − ∇²R) finds the
 * worst direction.
 */
import type { FoEPrior } from './foe.js';
import type { Shape4 } from './conv.js';
import { Prng } from '../util/random.js';

export interface CurvatureEstimate {
  sigma: number;
  /** Smallest curvature over the random directions. */
  randomMin: number;
  /** Mean curvature over the random directions. */
  randomMean: number;
  /** Smallest Hessian eigenvalue found by power iteration (an upper bound on the true minimum). */
  smallest: number;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** ∇²R(x, t) v by central differences of the gradient. */
export function hessianVector(prior: FoEPrior, x: Float32Array, shape: Shape4, t: number, v: Float32Array, eps = 1e-3): Float32Array {
  const ts = new Array<number>(shape.n).fill(t);
  const norm = Math.sqrt(dot(v, v)) || 1;
  const h = eps / norm;
  const up = prior.evaluate(x.map((xi, i) => xi + h * v[i]!), shape, ts, { gradX: true }).gradX!;
  const dn = prior.evaluate(x.map((xi, i) => xi - h * v[i]!), shape, ts, { gradX: true }).gradX!;
  return up.map((u, i) => (u - dn[i]!) / (2 * h));
}

export function estimateCurvature(
  prior: FoEPrior,
  x: Float32Array,
  shape: Shape4,
  sigma: number,
  options: { directions?: number; iterations?: number; seed?: number } = {},
): CurvatureEstimate {
  const t = Math.log(sigma);
  const rng = new Prng(options.seed ?? 1);
  const gaussian = () => Float32Array.from({ length: x.length }, () => rng.gaussian());
  const curv: number[] = [];
  for (let d = 0; d < (options.directions ?? 8); d++) {
    const v = gaussian();
    curv.push(dot(v, hessianVector(prior, x, shape, t, v)) / dot(v, v));
  }
  // Power iteration on (c I − H) with c above the largest eigenvalue finds H's smallest one.
  let v = gaussian();
  let largest = 0;
  for (let k = 0; k < 10; k++) {
    const hv = hessianVector(prior, x, shape, t, v);
    largest = Math.sqrt(dot(hv, hv) / dot(v, v));
    const n = Math.sqrt(dot(hv, hv)) || 1;
    v = hv.map((e) => e / n);
  }
  const c = 1.1 * largest;
  v = gaussian();
  let smallest = Infinity;
  for (let k = 0; k < (options.iterations ?? 30); k++) {
    const hv = hessianVector(prior, x, shape, t, v);
    smallest = dot(v, hv) / dot(v, v);
    const w = v.map((e, i) => c * e - hv[i]!);
    const n = Math.sqrt(dot(w, w)) || 1;
    v = w.map((e) => e / n);
  }
  return { sigma, randomMin: Math.min(...curv), randomMean: curv.reduce((a, b) => a + b, 0) / curv.length, smallest };
}
