import { describe, expect, it } from 'vitest';
import { bspline, bsplineD1, bsplineD2, bsplineD3 } from '../../src/prior/bspline.js';
import { evalSpline, fitSplineChannel, knotSpacingZ, type SplineGrid } from '../../src/prior/spline2d.js';
import { mulberry, randomArray } from '../helpers/random.js';

const grid: SplineGrid = { zMax: 1.5, nz: 17, tMin: Math.log(0.01), tMax: Math.log(0.5), nt: 8 };

function randomWeights(seed: number, channels: number, g = grid): Float32Array {
  const rnd = mulberry(seed);
  return Float32Array.from({ length: channels * g.nz * g.nt }, () => rnd() * 2 - 1);
}

describe('quartic B-spline', () => {
  it('is a partition of unity over integer shifts', () => {
    for (let u = -3; u <= 3; u += 0.0137) {
      let s = 0;
      for (let k = -5; k <= 5; k++) s += bspline(u - k);
      expect(s).toBeCloseTo(1, 12);
    }
  });

  it('has exact derivatives (central differences)', () => {
    const h = 1e-5;
    for (let u = -2.7; u <= 2.7; u += 0.0731) {
      expect(bsplineD1(u)).toBeCloseTo((bspline(u + h) - bspline(u - h)) / (2 * h), 7);
      expect(bsplineD2(u)).toBeCloseTo((bsplineD1(u + h) - bsplineD1(u - h)) / (2 * h), 6);
      expect(bsplineD3(u)).toBeCloseTo((bsplineD2(u + h) - bsplineD2(u - h)) / (2 * h), 5);
    }
  });

  it('is C³ across its breaks at ±0.5, ±1.5, ±2.5', () => {
    const eps = 1e-9;
    for (const k of [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]) {
      for (const f of [bspline, bsplineD1, bsplineD2, bsplineD3]) {
        expect(Math.abs(f(k - eps) - f(k + eps))).toBeLessThan(1e-6);
      }
    }
  });

  it('has unit integral and vanishes outside [-2.5, 2.5]', () => {
    let s = 0;
    const h = 1e-3;
    for (let u = -3; u <= 3; u += h) s += bspline(u) * h;
    expect(s).toBeCloseTo(1, 5);
    expect(bspline(2.5)).toBe(0);
    expect(bspline(-2.6)).toBe(0);
  });
});

describe('2-D spline functions f_c(z, t)', () => {
  it('reproduces constants on the whole interval thanks to the extra knots', () => {
    const w = new Float32Array(2 * grid.nz * grid.nt).fill(3);
    const z = Float32Array.from({ length: 200 }, (_, i) => -grid.zMax + (2 * grid.zMax * i) / 199);
    for (const t of [grid.tMin, -2, grid.tMax]) {
      const { f, fz, ft } = evalSpline(grid, w, 2, z, [t], { f: true, fz: true, ft: true });
      for (let i = 0; i < z.length; i++) {
        expect(f![i]).toBeCloseTo(3, 5);
        expect(fz![i]).toBeCloseTo(0, 4);
        expect(ft![i]).toBeCloseTo(0, 4);
      }
    }
  });

  it('matches finite differences in z and t for all requested partials, in and outside the knot range', () => {
    const C = 3;
    const w = randomWeights(7, C);
    const rnd = mulberry(11);
    const n = 3 * 60;
    const z = Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * 2.2); // some beyond ±zMax
    const h = 1e-3;
    for (const t of [-3.1, grid.tMin - 0.3, grid.tMax + 0.2]) {
      const at = (zz: Float32Array, tt: number) =>
        evalSpline(grid, w, C, zz, [tt], { f: true, fz: true, ft: true, fzz: true, fzt: true, ftt: true });
      const base = at(z, t);
      const zp = z.map((v) => v + h);
      const zm = z.map((v) => v - h);
      const ZP = at(zp, t);
      const ZM = at(zm, t);
      const TP = at(z, t + h);
      const TM = at(z, t - h);
      for (let i = 0; i < n; i++) {
        // Skip the kinks of the linear extension (second derivatives jump there).
        const nearEdge = Math.abs(Math.abs(z[i]!) - grid.zMax) < 2 * h;
        const tol = 2e-2;
        expect(Math.abs(base.fz![i]! - (ZP.f![i]! - ZM.f![i]!) / (2 * h))).toBeLessThan(tol);
        expect(Math.abs(base.ft![i]! - (TP.f![i]! - TM.f![i]!) / (2 * h))).toBeLessThan(tol);
        if (!nearEdge) {
          expect(Math.abs(base.fzz![i]! - (ZP.fz![i]! - ZM.fz![i]!) / (2 * h))).toBeLessThan(tol * 5);
          expect(Math.abs(base.fzt![i]! - (TP.fz![i]! - TM.fz![i]!) / (2 * h))).toBeLessThan(tol * 5);
        }
        if (t > grid.tMin && t < grid.tMax) {
          expect(Math.abs(base.ftt![i]! - (TP.ft![i]! - TM.ft![i]!) / (2 * h))).toBeLessThan(tol * 5);
        }
      }
    }
  });

  it('is linear beyond ±zMax with the slope it has at the edge', () => {
    const w = randomWeights(3, 1);
    const t = -2;
    const edge = evalSpline(grid, w, 1, Float32Array.of(grid.zMax), [t], { f: true, fz: true });
    const far = evalSpline(grid, w, 1, Float32Array.of(grid.zMax + 2), [t], { f: true, fz: true, fzz: true });
    expect(far.f![0]).toBeCloseTo(edge.f![0]! + 2 * edge.fz![0]!, 4);
    expect(far.fz![0]).toBeCloseTo(edge.fz![0]!, 5);
    expect(far.fzz![0]).toBe(0);
  });

  it('the slope-only fast path agrees with the general evaluation', () => {
    const C = 4;
    const w = randomWeights(9, C);
    const z = randomArray(12, C * 500, 2.2);
    const slopeOnly = evalSpline(grid, w, C, z, [-2.2, -1.1], { fz: true }).fz!;
    const general = evalSpline(grid, w, C, z, [-2.2, -1.1], { f: true, fz: true, fzz: true }).fz!;
    for (let i = 0; i < z.length; i++) expect(slopeOnly[i]).toBeCloseTo(general[i]!, 4);
  });

  it('uses one t per sample', () => {
    const w = randomWeights(5, 1);
    const z = Float32Array.of(0.3, 0.3);
    const both = evalSpline(grid, w, 1, z, [-1, -3], { f: true });
    const a = evalSpline(grid, w, 1, Float32Array.of(0.3), [-1], { f: true });
    const b = evalSpline(grid, w, 1, Float32Array.of(0.3), [-3], { f: true });
    expect(both.f![0]).toBeCloseTo(a.f![0]!, 6);
    expect(both.f![1]).toBeCloseTo(b.f![0]!, 6);
    expect(a.f![0]).not.toBeCloseTo(b.f![0]!, 3);
  });

  it('fits a smooth function of (z, t) by least squares, including z²/2', () => {
    const zs = Array.from({ length: 121 }, (_, i) => -grid.zMax + (2 * grid.zMax * i) / 120);
    const ts = Array.from({ length: 25 }, (_, i) => grid.tMin + ((grid.tMax - grid.tMin) * i) / 24);
    const target = (z: number, t: number) => 0.5 * z * z * (1 + 0.2 * t) + Math.exp(t);
    const w = fitSplineChannel(grid, zs, ts, target);
    const z = Float32Array.from({ length: 50 }, (_, i) => -1.4 + (2.8 * i) / 49);
    for (const t of [-4, -2.5, -1]) {
      const { f, fz } = evalSpline(grid, w, 1, z, [t], { f: true, fz: true });
      for (let i = 0; i < z.length; i++) {
        expect(Math.abs(f![i]! - target(z[i]!, t))).toBeLessThan(2e-3);
        expect(Math.abs(fz![i]! - z[i]! * (1 + 0.2 * t))).toBeLessThan(1e-2);
      }
    }
    expect(knotSpacingZ(grid)).toBeCloseTo(3 / 12, 12);
  });

  it('rejects weights of the wrong size with a message naming both sizes', () => {
    expect(() => evalSpline(grid, new Float32Array(5), 1, Float32Array.of(0), [0], { f: true })).toThrow(/1×17×8.*5/);
  });
});
