/**
 * Exact solver for the convex programs of method.md §6:
 *   min_z  ½‖B z‖² + qᵀz + Σ_j λ_j |z_j| + const     (λ_j ≥ 0)
 * Score matching gives this form with B = A/√n and q = d/n, denoising score
 * matching with q = −Aᵀy/n; unknowns with λ_j = 0 are the unpenalised output
 * bias and skip connection (no sign restriction, no cost).
 *
 * Solved through its dual, the point of smallest norm in a polyhedron,
 *   min ½‖μ‖²  s.t.  |b_jᵀμ + q_j| ≤ λ_j,  b_jᵀμ + q_j = 0 for free j,
 * with μ* = B z* and z_j = (multiplier of the lower bound) − (that of the
 * upper bound): min-norm-qp.ts's active-set method is finite and exact.
 * Coordinate descent (kept below as an independent check) converges
 * linearly and, near the smallest admissible β, far too slowly for a KKT
 * residual of 1e-8: neighbouring ramps are almost collinear.
 */
import { GncError } from '../util/errors.js';
import { minNormPoint } from './min-norm-qp.js';

export interface L1Qp {
  /** Rows of B (number of samples). */
  n: number;
  /** Number of unknowns (columns of B). */
  p: number;
  /** B, n×p row-major. */
  design: Float64Array;
  /** q. */
  linear: Float64Array;
  /** λ_j ≥ 0 per unknown; 0 marks an unpenalised one. */
  penalty: Float64Array;
  /** Added to the objective so that it equals the training loss it came from. */
  constant: number;
}

export interface L1QpSolution {
  z: Float64Array;
  objective: number;
  /** max_j of the violation of 0 ∈ (Bᵀ B z + q)_j + λ_j ∂|z_j| (the KKT conditions). */
  kktResidual: number;
  /** Active-set steps taken. */
  iterations: number;
}

function fit(qp: L1Qp, z: Float64Array): Float64Array {
  const bz = new Float64Array(qp.n);
  for (let i = 0; i < qp.n; i++) {
    let s = 0;
    for (let j = 0; j < qp.p; j++) s += qp.design[i * qp.p + j]! * z[j]!;
    bz[i] = s;
  }
  return bz;
}

export function objective(qp: L1Qp, z: Float64Array): number {
  let f = qp.constant;
  for (const v of fit(qp, z)) f += 0.5 * v * v;
  for (let j = 0; j < qp.p; j++) f += qp.linear[j]! * z[j]! + qp.penalty[j]! * Math.abs(z[j]!);
  return f;
}

/** The gradient Bᵀ B z + q of the smooth part. */
export function smoothGradient(qp: L1Qp, z: Float64Array): Float64Array {
  const bz = fit(qp, z);
  const g = Float64Array.from(qp.linear);
  for (let i = 0; i < qp.n; i++) for (let j = 0; j < qp.p; j++) g[j]! += qp.design[i * qp.p + j]! * bz[i]!;
  return g;
}

/**
 * KKT residual: for z_j ≠ 0 the gradient must equal −λ_j sign z_j; for z_j = 0
 * it must lie in [−λ_j, λ_j] (and be 0 for unpenalised unknowns). The largest violation.
 */
export function kktResidual(qp: L1Qp, z: Float64Array): number {
  const g = smoothGradient(qp, z);
  let worst = 0;
  for (let j = 0; j < qp.p; j++) {
    const lam = qp.penalty[j]!;
    const v = z[j]! !== 0 ? Math.abs(g[j]! + lam * Math.sign(z[j]!)) : Math.max(0, Math.abs(g[j]!) - lam);
    worst = Math.max(worst, v);
  }
  return worst;
}

function unbounded(): GncError {
  return new GncError('invalid-argument', 'The convex program is unbounded below: the weight decay is too small for score matching (method.md §6; raise β)');
}

function column(qp: L1Qp, j: number): Float64Array {
  return Float64Array.from({ length: qp.n }, (_, i) => qp.design[i * qp.p + j]!);
}

/** Solves the program exactly (see the file comment); throws a GncError if it is unbounded below. */
export function solveL1Qp(qp: L1Qp): L1QpSolution {
  const { p, linear, penalty } = qp;
  const free: number[] = [];
  const penalised: number[] = [];
  for (let j = 0; j < p; j++) {
    const b = column(qp, j);
    if (b.every((v) => v === 0)) {
      // A feature that vanishes on the data: only its linear term acts, so z_j = 0 unless that is a descent.
      if (Math.abs(linear[j]!) > penalty[j]!) throw unbounded();
      continue;
    }
    (penalty[j] === 0 ? free : penalised).push(j);
  }
  const normals: Float64Array[] = [];
  const rhs: number[] = [];
  for (const j of free) {
    normals.push(column(qp, j));
    rhs.push(-linear[j]!);
  }
  for (const j of penalised) {
    const b = column(qp, j);
    normals.push(b); // b_jᵀμ ≥ −λ_j − q_j
    rhs.push(-penalty[j]! - linear[j]!);
    normals.push(b.map((v) => -v)); // −b_jᵀμ ≥ q_j − λ_j
    rhs.push(linear[j]! - penalty[j]!);
  }
  let dual;
  try {
    dual = minNormPoint(qp.n, normals, rhs, free.length);
  } catch (err) {
    if (err instanceof GncError && err.kind === 'invalid-argument') throw unbounded();
    throw err;
  }
  const z = new Float64Array(p);
  free.forEach((j, k) => (z[j] = dual.multipliers[k]!));
  penalised.forEach((j, k) => {
    const lower = dual.multipliers[free.length + 2 * k]!;
    const upper = dual.multipliers[free.length + 2 * k + 1]!;
    z[j] = lower - upper;
  });
  return { z, objective: objective(qp, z), kktResidual: kktResidual(qp, z), iterations: dual.iterations };
}

/**
 * Cyclic coordinate descent with exact soft-thresholded coordinate steps, for
 * cross-checking solveL1Qp on well-conditioned problems: returns z after
 * `sweeps` sweeps from zero (or from `start`).
 */
export function coordinateDescent(qp: L1Qp, sweeps: number, start?: Float64Array): Float64Array {
  const { n, p, design, linear, penalty } = qp;
  const z = start ? Float64Array.from(start) : new Float64Array(p);
  const residual = fit(qp, z); // B z, kept up to date
  const colNorm = new Float64Array(p);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) colNorm[j]! += design[i * p + j]! ** 2;
  for (let s = 0; s < sweeps; s++) {
    for (let j = 0; j < p; j++) {
      if (colNorm[j] === 0) continue;
      let g = linear[j]!;
      for (let i = 0; i < n; i++) g += design[i * p + j]! * residual[i]!;
      const v = z[j]! - g / colNorm[j]!;
      const t = penalty[j]! / colNorm[j]!;
      const next = v > t ? v - t : v < -t ? v + t : 0;
      const delta = next - z[j]!;
      if (delta === 0) continue;
      z[j] = next;
      for (let i = 0; i < n; i++) residual[i]! += delta * design[i * p + j]!;
    }
  }
  return z;
}
