/**
 * The point of smallest norm in a polyhedron,
 *   min ½‖x‖²  s.t.  c_iᵀx = b_i (i < equalities),  c_iᵀx ≥ b_i (otherwise),
 * by the dual active-set method of Goldfarb & Idnani (1983) with an identity
 * Hessian: start at the unconstrained minimum x = 0 and add violated
 * constraints one at a time, keeping the active normals in a QR factorisation
 * (N = Q R, Q orthogonal, updated by Givens rotations) and dropping an active
 * constraint when its multiplier would turn negative. The method is finite,
 * keeps the active normals linearly independent (so dependent constraint
 * sets, which the ReLU dictionary is full of, cause no singular systems) and
 * is exact up to round-off, unlike first-order methods.
 */
import { GncError } from '../util/errors.js';

export interface MinNormResult {
  x: Float64Array;
  /** Lagrange multiplier of every constraint (0 when inactive; ≥ 0 for inequalities): x = Σ u_i c_i. */
  multipliers: Float64Array;
  iterations: number;
}

export function minNormPoint(
  dim: number,
  normals: readonly Float64Array[],
  rhs: ArrayLike<number>,
  equalities: number,
  options: { feasibilityTol?: number; maxIterations?: number } = {},
): MinNormResult {
  const n = dim;
  const m = normals.length;
  const tol = options.feasibilityTol ?? 1e-13;
  const maxIterations = options.maxIterations ?? 50 * (n + m) + 100;
  const x = new Float64Array(n);
  // Q stored by columns: q[k] is the k-th column; R upper triangular, column-major per active constraint.
  const q: Float64Array[] = Array.from({ length: n }, (_, k) => {
    const col = new Float64Array(n);
    col[k] = 1;
    return col;
  });
  const r: Float64Array[] = []; // r[j] is column j of R (length n, entries 0..j used)
  const active: number[] = [];
  const u: number[] = [];
  const sign = new Float64Array(m).fill(1); // equalities may be flipped to become "violated ≥" ones
  const norm = normals.map((c) => Math.hypot(...c) || 1);
  let iterations = 0;

  const slack = (i: number): number => {
    let s = -rhs[i]!;
    const c = normals[i]!;
    for (let k = 0; k < n; k++) s += c[k]! * x[k]!;
    return sign[i]! * s;
  };
  const dot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let k = 0; k < n; k++) s += a[k]! * b[k]!;
    return s;
  };
  const rotate = (a: Float64Array, b: Float64Array, c: number, s: number): void => {
    for (let k = 0; k < a.length; k++) {
      const va = a[k]!;
      const vb = b[k]!;
      a[k] = c * va + s * vb;
      b[k] = -s * va + c * vb;
    }
  };

  /** Adds constraint p (with normal sign[p]·c_p) to the active set, given d = Qᵀ n⁺. */
  const addActive = (p: number, d: Float64Array, multiplier: number): void => {
    const qa = active.length;
    for (let k = n - 1; k > qa; k--) {
      const h = Math.hypot(d[k - 1]!, d[k]!);
      if (h === 0) continue;
      const c = d[k - 1]! / h;
      const s = d[k]! / h;
      d[k - 1] = h;
      d[k] = 0;
      rotate(q[k - 1]!, q[k]!, c, s);
    }
    const col = new Float64Array(n);
    for (let k = 0; k <= qa; k++) col[k] = d[k]!;
    r.push(col);
    active.push(p);
    u.push(multiplier);
  };

  /** Removes the active constraint at position j and restores R's triangular form. */
  const dropActive = (j: number): void => {
    r.splice(j, 1);
    active.splice(j, 1);
    u.splice(j, 1);
    for (let k = j; k < r.length; k++) {
      // Column k now has a sub-diagonal entry at row k + 1: rotate rows k, k + 1 away.
      const a = r[k]![k]!;
      const b = r[k]![k + 1]!;
      const h = Math.hypot(a, b);
      if (h === 0) continue;
      const c = a / h;
      const s = b / h;
      for (let col = k; col < r.length; col++) {
        const va = r[col]![k]!;
        const vb = r[col]![k + 1]!;
        r[col]![k] = c * va + s * vb;
        r[col]![k + 1] = -s * va + c * vb;
      }
      rotate(q[k]!, q[k + 1]!, c, s);
    }
  };

  /** Makes constraint p active (it is violated, or an equality), dropping others as the dual step requires. */
  const enforce = (p: number): void => {
    const isEquality = p < equalities;
    let plus = 0;
    for (;;) {
      if (++iterations > maxIterations) throw new GncError('backend', `The active-set QP did not finish in ${maxIterations} steps`);
      const np = normals[p]!.map((v) => sign[p]! * v);
      const d = new Float64Array(n);
      for (let k = 0; k < n; k++) d[k] = dot(q[k]!, np);
      const qa = active.length;
      // Primal direction: the part of n⁺ outside the span of the active normals.
      const z = new Float64Array(n);
      for (let k = qa; k < n; k++) if (d[k] !== 0) for (let i = 0; i < n; i++) z[i]! += d[k]! * q[k]![i]!;
      // Dual direction: R⁻¹ d₁ (how the active multipliers change per unit of the new one).
      const rv = new Float64Array(qa);
      for (let i = qa - 1; i >= 0; i--) {
        let s = d[i]!;
        for (let j = i + 1; j < qa; j++) s -= r[j]![i]! * rv[j]!;
        rv[i] = s / r[i]![i]!;
      }
      let t1 = Infinity;
      let drop = -1;
      for (let j = 0; j < qa; j++) {
        if (active[j]! < equalities || rv[j]! <= 0) continue;
        const t = u[j]! / rv[j]!;
        if (t < t1) {
          t1 = t;
          drop = j;
        }
      }
      const zn = dot(z, np);
      const s = slack(p);
      if (zn <= 1e-14 * norm[p]! * norm[p]!) {
        // n⁺ lies in the span of the active normals: no primal step is possible.
        const holds = isEquality ? Math.abs(s) <= 1e-9 * norm[p]! : s >= -tol * norm[p]!;
        if (holds) return; // redundant: implied by the active constraints
        if (t1 === Infinity) throw new GncError('invalid-argument', 'The constraints are inconsistent (the convex program is unbounded below)');
        // A pure dual step: shift weight to the new constraint until an active one can be dropped.
        for (let j = 0; j < qa; j++) u[j]! -= t1 * rv[j]!;
        plus += t1;
        u[drop] = 0;
        dropActive(drop);
        continue;
      }
      const t2 = -s / zn;
      const t = Math.min(t1, t2);
      for (let i = 0; i < n; i++) x[i]! += t * z[i]!;
      for (let j = 0; j < qa; j++) u[j]! -= t * rv[j]!;
      plus += t;
      if (t2 <= t1) {
        addActive(p, d, plus);
        return;
      }
      u[drop] = 0;
      dropActive(drop);
    }
  };

  for (let p = 0; p < equalities; p++) {
    if (slack(p) > 0) sign[p] = -1; // approach each equality from its violated side
    enforce(p);
  }
  for (;;) {
    let worst = -1;
    let worstValue = -tol;
    for (let i = equalities; i < m; i++) {
      if (active.includes(i)) continue;
      const v = slack(i) / norm[i]!;
      if (v < worstValue) {
        worstValue = v;
        worst = i;
      }
    }
    if (worst < 0) break;
    enforce(worst);
  }
  const multipliers = new Float64Array(m);
  active.forEach((i, j) => (multipliers[i] = sign[i]! * u[j]!));
  return { x, multipliers, iterations };
}
