/**
 * A small BFGS minimiser with central-difference gradients and Armijo
 * backtracking, for the few-parameter objectives of objectives.ts. Central
 * differences are exact (up to round-off) on quadratics, which is what the
 * score-matching losses of linear scores are in their natural parameters.
 */
import { GncError, checkInteger } from '../util/errors.js';

export function numericalGradient(f: (theta: Float64Array) => number, theta: Float64Array): Float64Array {
  const g = new Float64Array(theta.length);
  const t = Float64Array.from(theta);
  for (let k = 0; k < theta.length; k++) {
    const h = 1e-5 * Math.max(1, Math.abs(theta[k]!));
    t[k] = theta[k]! + h;
    const up = f(t);
    t[k] = theta[k]! - h;
    const down = f(t);
    t[k] = theta[k]!;
    g[k] = (up - down) / (2 * h);
  }
  return g;
}

export interface MinimiseResult {
  theta: Float64Array;
  value: number;
  gradientNorm: number;
  iterations: number;
}

export function minimiseBfgs(
  f: (theta: Float64Array) => number,
  start: ArrayLike<number>,
  options: { gradientTol?: number; maxIterations?: number } = {},
): MinimiseResult {
  const tol = options.gradientTol ?? 1e-10;
  const maxIterations = checkInteger('maxIterations', options.maxIterations ?? 500, 1, 1_000_000);
  const k = start.length;
  let theta = Float64Array.from(start);
  let value = f(theta);
  let g = numericalGradient(f, theta);
  // Inverse-Hessian approximation, k×k row-major, starting at the identity.
  const hInv = new Float64Array(k * k);
  for (let i = 0; i < k; i++) hInv[i * k + i] = 1;
  const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  let it = 0;
  for (; it < maxIterations && norm(g) > tol; it++) {
    const dir = new Float64Array(k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) dir[i]! -= hInv[i * k + j]! * g[j]!;
    let slope = dir.reduce((s, d, i) => s + d * g[i]!, 0);
    if (!(slope < 0)) {
      // Not a descent direction (round-off): restart from steepest descent.
      hInv.fill(0);
      for (let i = 0; i < k; i++) hInv[i * k + i] = 1;
      for (let i = 0; i < k; i++) dir[i] = -g[i]!;
      slope = -(norm(g) ** 2);
    }
    let step = 1;
    let next = theta.map((v, i) => v + step * dir[i]!);
    let nextValue = f(next);
    while (!(nextValue <= value + 1e-4 * step * slope) && step > 1e-12) {
      step /= 2;
      next = theta.map((v, i) => v + step * dir[i]!);
      nextValue = f(next);
    }
    // No decrease the finite-difference gradient can resolve: at the optimum to round-off.
    if (!(nextValue < value)) break;
    const nextG = numericalGradient(f, next);
    const s = next.map((v, i) => v - theta[i]!);
    const y = nextG.map((v, i) => v - g[i]!);
    const sy = s.reduce((acc, v, i) => acc + v * y[i]!, 0);
    if (sy > 1e-300) {
      // BFGS update of the inverse Hessian: (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ.
      const rho = 1 / sy;
      const hy = new Float64Array(k);
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) hy[i]! += hInv[i * k + j]! * y[j]!;
      const yhy = y.reduce((acc, v, i) => acc + v * hy[i]!, 0);
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          hInv[i * k + j]! += -rho * (hy[i]! * s[j]! + s[i]! * hy[j]!) + (rho * rho * yhy + rho) * s[i]! * s[j]!;
        }
      }
    }
    theta = next;
    value = nextValue;
    g = nextG;
  }
  if (!Number.isFinite(value)) throw new GncError('backend', 'The minimiser left the domain of the objective');
  return { theta, value, gradientNorm: norm(g), iterations: it };
}
