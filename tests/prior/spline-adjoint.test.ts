import { describe, expect, it } from 'vitest';
import { splineDerivative, splineWeightGradient, type TOrder, type ZOrder } from '../../src/prior/spline-adjoint.js';
import { evalSpline, type SplineGrid } from '../../src/prior/spline2d.js';
import { mulberry, randomArray } from '../helpers/random.js';

const grid: SplineGrid = { zMax: 1, nz: 13, tMin: -4, tMax: -1, nt: 8 };
const C = 3;
const weights = randomArray(1, C * grid.nz * grid.nt);
const z = randomArray(2, C * 40, 1.4); // some beyond ±zMax
const ts = [-3.3, -1.7];

describe('spline derivatives of any order and their weight adjoints', () => {
  it('agree with the solver path (spline2d) for every order it offers', () => {
    const ref = evalSpline(grid, weights, C, z, ts, { f: true, fz: true, fzz: true, ft: true, fzt: true, ftt: true });
    const pairs: Array<[ZOrder, TOrder, Float32Array]> = [
      [0, 0, ref.f!], [1, 0, ref.fz!], [2, 0, ref.fzz!], [0, 1, ref.ft!], [1, 1, ref.fzt!], [0, 2, ref.ftt!],
    ];
    for (const [m, k, expected] of pairs) {
      const got = splineDerivative(grid, weights, C, z, ts, m, k);
      for (let i = 0; i < z.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 3);
    }
  });

  it('third z-derivative matches finite differences of the second', () => {
    const inside = z.map((v) => v * 0.6);
    const h = 1e-3;
    const d3 = splineDerivative(grid, weights, C, inside, ts, 3, 0);
    const up = splineDerivative(grid, weights, C, inside.map((v) => v + h), ts, 2, 0);
    const dn = splineDerivative(grid, weights, C, inside.map((v) => v - h), ts, 2, 0);
    for (let i = 0; i < z.length; i++) expect(Math.abs(d3[i]! - (up[i]! - dn[i]!) / (2 * h))).toBeLessThan(0.05 * (1 + Math.abs(d3[i]!)));
  });

  it.each([[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [0, 2], [2, 1], [2, 2]] as Array<[ZOrder, TOrder]>)(
    'the weight gradient of ⟨u, ∂^%i_z ∂^%i_t f⟩ is its exact adjoint (linear in w)',
    (m, k) => {
      const u = randomArray(3, z.length);
      const g = splineWeightGradient(grid, C, z, ts, m, k, u);
      // f is linear in w, so ⟨u, D(w)⟩ = ⟨∇_w, w⟩ for any w.
      const rnd = mulberry(4);
      const w2 = Float32Array.from(weights, () => rnd() * 2 - 1);
      const lhs = splineDerivative(grid, w2, C, z, ts, m, k).reduce((s, v, i) => s + v * u[i]!, 0);
      const rhs = g.reduce((s, v, i) => s + v * w2[i]!, 0);
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-3 * (1 + Math.abs(lhs)));
    },
  );
});
