import { describe, expect, it } from 'vitest';
import { minNormPoint } from '../../src/lab/min-norm-qp.js';
import { solveSemidefinite } from '../../src/lab/dense.js';
import { Prng } from '../../src/util/random.js';
import { GncError } from '../../src/util/errors.js';

/** Checks the KKT conditions of min ½‖x‖² s.t. c_iᵀx (=|≥) b_i: they certify the optimum. */
function expectOptimal(dim: number, normals: Float64Array[], rhs: number[], equalities: number, x: Float64Array, u: Float64Array, tol: number) {
  const recon = new Float64Array(dim);
  normals.forEach((c, i) => {
    const slack = c.reduce((s, v, k) => s + v * x[k]!, 0) - rhs[i]!;
    if (i < equalities) expect(Math.abs(slack)).toBeLessThan(tol);
    else {
      expect(slack).toBeGreaterThan(-tol); // feasible
      expect(u[i]!).toBeGreaterThanOrEqual(0); // dual feasible
      expect(Math.abs(u[i]! * slack)).toBeLessThan(tol); // complementary
    }
    for (let k = 0; k < dim; k++) recon[k]! += u[i]! * c[k]!;
  });
  for (let k = 0; k < dim; k++) expect(Math.abs(recon[k]! - x[k]!)).toBeLessThan(tol); // stationarity x = Σ u_i c_i
}

describe('the min-norm active-set QP (Goldfarb–Idnani)', () => {
  it('solves random feasible problems to a KKT certificate, with equalities and dependent constraints', () => {
    const rng = new Prng(3);
    for (let trial = 0; trial < 20; trial++) {
      const dim = 2 + (trial % 5);
      const m = 3 + 3 * dim;
      const equalities = trial % 3;
      // Constraints around a random feasible point, so the problem is feasible; then duplicates and sums (dependent rows).
      const feasible = Float64Array.from({ length: dim }, () => 3 * rng.gaussian());
      const normals: Float64Array[] = [];
      const rhs: number[] = [];
      for (let i = 0; i < m; i++) {
        const c = Float64Array.from({ length: dim }, () => rng.gaussian());
        const at = c.reduce((s, v, k) => s + v * feasible[k]!, 0);
        normals.push(c);
        rhs.push(i < equalities ? at : at - Math.abs(rng.gaussian()));
      }
      normals.push(Float64Array.from(normals[equalities]!));
      rhs.push(rhs[equalities]!);
      normals.push(normals[equalities]!.map((v, k) => v + normals[equalities + 1]![k]!));
      rhs.push(rhs[equalities]! + rhs[equalities + 1]!);
      const r = minNormPoint(dim, normals, rhs, equalities);
      expectOptimal(dim, normals, rhs, equalities, r.x, r.multipliers, 1e-9);
    }
  });

  it('returns the origin when it is feasible', () => {
    const r = minNormPoint(2, [Float64Array.of(1, 0)], [-1], 0);
    expect(Array.from(r.x)).toEqual([0, 0]);
  });

  it('projects onto a half-plane exactly', () => {
    // x₁ + x₂ ≥ 2 → nearest point (1, 1), multiplier 1.
    const r = minNormPoint(2, [Float64Array.of(1, 1)], [2], 0);
    expect(r.x[0]).toBeCloseTo(1, 14);
    expect(r.x[1]).toBeCloseTo(1, 14);
    expect(r.multipliers[0]).toBeCloseTo(1, 14);
  });

  it('reports inconsistent constraints', () => {
    expect(() => minNormPoint(1, [Float64Array.of(1), Float64Array.of(-1)], [1, 0], 0)).toThrow(GncError);
  });
});

describe('the rank-revealing semidefinite solve', () => {
  it('solves a singular consistent system and finds a descent ray for an inconsistent one', () => {
    // M = [[1, 1], [1, 1]] (rank 1).
    const m = Float64Array.of(1, 1, 1, 1);
    const ok = solveSemidefinite(m, Float64Array.of(2, 2), 2);
    expect(ok.kind).toBe('solution');
    if (ok.kind === 'solution') expect(ok.y[0]! + ok.y[1]!).toBeCloseTo(2, 14);
    const bad = solveSemidefinite(m, Float64Array.of(1, -1), 2);
    expect(bad.kind).toBe('ray');
    if (bad.kind === 'ray') {
      expect(Math.abs(bad.d[0]! + bad.d[1]!)).toBeLessThan(1e-14); // M d = 0
      expect(bad.d[0]! - bad.d[1]!).toBeGreaterThan(0); // rᵀd > 0
    }
  });
});
