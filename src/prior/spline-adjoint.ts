/**
 * Any partial derivative ∂ᵐ_z ∂ᵏ_t f of the 2-D spline functions, and the
 * adjoint of each with respect to the spline weights. Training needs these:
 * the score-matching loss contains ∂zφ (the score) and ∂tR, ∂²tR, and one
 * reverse pass through them needs one order more in z and the weight
 * gradient of every term (method.md §3).
 *
 * Semantics match spline2d.ts exactly, including the linear continuation
 * outside [−r, r] and [tMin, tMax]. These loops favour clarity over speed;
 * the solvers' hot path stays in spline2d.ts.
 */
import { bspline, bsplineD1, bsplineD2, bsplineD3 } from './bspline.js';
import { knotSpacingT, knotSpacingZ, type SplineGrid } from './spline2d.js';
import { GncError } from '../util/errors.js';

export type ZOrder = 0 | 1 | 2 | 3;
export type TOrder = 0 | 1 | 2;

const BASIS = [bspline, bsplineD1, bsplineD2, bsplineD3] as const;

/**
 * The (extended) basis functions of one axis with non-zero value at x, for
 * derivative order `order`: first index and 5 values (scaled by 1/Δ^order).
 */
function axisTaps(x: number, lo: number, hi: number, spacing: number, origin: number, order: number, out: Float64Array): number {
  const xc = x > hi ? hi : x < lo ? lo : x;
  const over = x - xc;
  const u = (xc - origin) / spacing;
  const k0 = Math.floor(u + 0.5);
  const first = k0 - 2;
  for (let m = 0; m < 5; m++) {
    const arg = u - (first + m);
    if (over === 0) {
      out[m] = BASIS[order]!(arg) / spacing ** order;
    } else if (order === 0) {
      out[m] = BASIS[0](arg) + (BASIS[1](arg) / spacing) * over;
    } else if (order === 1) {
      out[m] = BASIS[1](arg) / spacing;
    } else {
      out[m] = 0;
    }
  }
  return first;
}

function checkSizes(grid: SplineGrid, channels: number, z: Float32Array, ts: ArrayLike<number>, weightsLength?: number): number {
  if (ts.length === 0 || z.length % ts.length !== 0 || (z.length / ts.length) % channels !== 0) {
    throw new GncError('invalid-argument', `spline op: ${z.length} values cannot be split into ${ts.length} samples of ${channels} channels`);
  }
  if (weightsLength !== undefined && weightsLength !== channels * grid.nz * grid.nt) {
    throw new GncError('invalid-argument', `spline op: expected ${channels}×${grid.nz}×${grid.nt} weights but received ${weightsLength}`);
  }
  return z.length / ts.length;
}

function tTaps(grid: SplineGrid, t: number, order: TOrder): { first: number; values: Float64Array } {
  const dt = knotSpacingT(grid);
  const values = new Float64Array(5);
  const first = axisTaps(t, grid.tMin, grid.tMax, dt, grid.tMin - 2 * dt, order, values);
  return { first, values };
}

/** ∂ᵐ_z ∂ᵏ_t f_c(z, t_b) for every element. */
export function splineDerivative(grid: SplineGrid, weights: Float32Array, channels: number, z: Float32Array, ts: ArrayLike<number>, m: ZOrder, k: TOrder): Float32Array {
  const per = checkSizes(grid, channels, z, ts, weights.length);
  const { nz, nt } = grid;
  const dz = knotSpacingZ(grid);
  const out = new Float32Array(z.length);
  const zt = new Float64Array(5);
  for (let b = 0; b < ts.length; b++) {
    // Contract t first: w̃[c, i] = Σ_j w[c, i, j] T_j(t_b).
    const { first: j0, values: tv } = tTaps(grid, ts[b]!, k);
    const wt = new Float64Array(channels * nz);
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < nz; i++) {
        let s = 0;
        for (let q = 0; q < 5; q++) {
          const j = j0 + q;
          if (j >= 0 && j < nt) s += weights[(c * nz + i) * nt + j]! * tv[q]!;
        }
        wt[c * nz + i] = s;
      }
    }
    for (let e = b * per; e < (b + 1) * per; e++) {
      const c = e % channels;
      const i0 = axisTaps(z[e]!, -grid.zMax, grid.zMax, dz, -grid.zMax - 2 * dz, m, zt);
      let s = 0;
      for (let q = 0; q < 5; q++) {
        const i = i0 + q;
        if (i >= 0 && i < nz) s += wt[c * nz + i]! * zt[q]!;
      }
      out[e] = s;
    }
  }
  return out;
}

/** Σ_e upstream_e · ∂(∂ᵐ_z ∂ᵏ_t f_c(z_e, t_b)) / ∂w[c, i, j], as [C × nz × nt]. */
export function splineWeightGradient(grid: SplineGrid, channels: number, z: Float32Array, ts: ArrayLike<number>, m: ZOrder, k: TOrder, upstream: Float32Array): Float32Array {
  const per = checkSizes(grid, channels, z, ts);
  if (upstream.length !== z.length) {
    throw new GncError('invalid-argument', `spline op: upstream gradient has ${upstream.length} values but the input has ${z.length}`);
  }
  const { nz, nt } = grid;
  const dz = knotSpacingZ(grid);
  const grad = new Float64Array(channels * nz * nt);
  const zt = new Float64Array(5);
  for (let b = 0; b < ts.length; b++) {
    const acc = new Float64Array(channels * nz);
    for (let e = b * per; e < (b + 1) * per; e++) {
      const g = upstream[e]!;
      if (g === 0) continue;
      const c = e % channels;
      const i0 = axisTaps(z[e]!, -grid.zMax, grid.zMax, dz, -grid.zMax - 2 * dz, m, zt);
      for (let q = 0; q < 5; q++) {
        const i = i0 + q;
        if (i >= 0 && i < nz) acc[c * nz + i]! += g * zt[q]!;
      }
    }
    const { first: j0, values: tv } = tTaps(grid, ts[b]!, k);
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < nz; i++) {
        const a = acc[c * nz + i]!;
        if (a === 0) continue;
        for (let q = 0; q < 5; q++) {
          const j = j0 + q;
          if (j >= 0 && j < nt) grad[(c * nz + i) * nt + j]! += a * tv[q]!;
        }
      }
    }
  }
  return Float32Array.from(grad);
}
