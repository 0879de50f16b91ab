/**
 * Any partial derivative ∂ᵐ_z ∂ᵏ_t f of the 2-D spline functions, and the
 * adjoint of each with respect to the spline weights. Training needs these:
 * the score-matching loss contains ∂zφ (the score) and ∂tR, ∂²tR, and one
 * reverse pass through them needs one order more in z and the weight
 * gradient of every term (method.md §3).
 *
 * Semantics match spline2d.ts exactly, including the linear continuation
 * outside [−r, r] and [tMin, tMax]. Both functions run once or twice per
 * spline layer in every training step on millions of elements, so the z side
 * uses the closed-form 5-tap pieces below (as spline2d.ts does for orders ≤ 2);
 * the t side is contracted once per sample with the generic `axisTaps`.
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
 * The reference form; used for t (once per sample) and, so that results stay
 * identical there too, for z values that are NaN or infinite.
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

/*
 * Closed-form taps along z. With u = (z + r)/Δz + 2 the knot coordinate,
 * k0 = ⌊u + ½⌋ and d = u − k0 ∈ [−½, ½), the non-zero basis functions are
 * i = k0−2 … k0+2 with arguments d+2, d+1, d, d−1, d−2, i.e. the outer, middle,
 * centre, middle, outer pieces of bspline.ts. With p = 1 − 2d, q = 1 + 2d:
 *
 *   B:    p⁴/384,  (19 − 44d + 24d² + 16d³ − 16d⁴)/96,  115/192 − 5/8 d² + 1/4 d⁴,  (19 + 44d + 24d² − 16d³ − 16d⁴)/96,  q⁴/384
 *   B':   −p³/48,  (−44 + 48d + 48d² − 64d³)/96,         d³ − 5/4 d,                 (44 + 48d − 48d² − 64d³)/96,          q³/48
 *   B'':  p²/8,    1/2 + d − 2d²,                        3d² − 5/4,                  1/2 − d − 2d²,                        q²/8
 *   B''': −p/2,    1 − 4d,                               6d,                         −1 − 4d,                              q/2
 *
 * (the middle columns are the |u| ∈ [½, 1½] piece expanded about a = 1 ± d; the
 * code splits them into parts even and odd in d, shared by both middle taps).
 * dotN returns Σ_q w[base + q] · B⁽ᴺ⁾(d + 2 − q); addN is its adjoint,
 * acc[base + q] += s · B⁽ᴺ⁾(d + 2 − q). Neither applies the 1/Δzᴺ scale.
 */
function dot0(w: Float64Array, base: number, d: number): number {
  const p = 1 - 2 * d;
  const q = 1 + 2 * d;
  const p2 = p * p;
  const q2 = q * q;
  const d2 = d * d;
  const even = 19 / 96 + d2 * (0.25 - d2 * (1 / 6)); // shared by both middle taps
  const odd = d * (d2 * (1 / 6) - 11 / 24);
  return (
    (w[base]! * (p2 * p2) + w[base + 4]! * (q2 * q2)) * (1 / 384) +
    w[base + 1]! * (even + odd) +
    w[base + 2]! * (115 / 192 + d2 * (0.25 * d2 - 0.625)) +
    w[base + 3]! * (even - odd)
  );
}
function add0(acc: Float64Array, base: number, d: number, s: number): void {
  const p = 1 - 2 * d;
  const q = 1 + 2 * d;
  const p2 = p * p;
  const q2 = q * q;
  const d2 = d * d;
  const even = 19 / 96 + d2 * (0.25 - d2 * (1 / 6));
  const odd = d * (d2 * (1 / 6) - 11 / 24);
  const outer = s * (1 / 384);
  acc[base]! += outer * (p2 * p2);
  acc[base + 1]! += s * (even + odd);
  acc[base + 2]! += s * (115 / 192 + d2 * (0.25 * d2 - 0.625));
  acc[base + 3]! += s * (even - odd);
  acc[base + 4]! += outer * (q2 * q2);
}

function dot1(w: Float64Array, base: number, d: number): number {
  const p = 1 - 2 * d;
  const q = 1 + 2 * d;
  const d2 = d * d;
  const even = 0.5 * d2 - 11 / 24;
  const odd = d * (0.5 - d2 * (2 / 3));
  return (
    (w[base + 4]! * (q * q * q) - w[base]! * (p * p * p)) * (1 / 48) +
    w[base + 1]! * (even + odd) +
    w[base + 2]! * (d * (d2 - 1.25)) +
    w[base + 3]! * (odd - even)
  );
}
function add1(acc: Float64Array, base: number, d: number, s: number): void {
  const p = 1 - 2 * d;
  const q = 1 + 2 * d;
  const d2 = d * d;
  const even = 0.5 * d2 - 11 / 24;
  const odd = d * (0.5 - d2 * (2 / 3));
  const outer = s * (1 / 48);
  acc[base]! -= outer * (p * p * p);
  acc[base + 1]! += s * (even + odd);
  acc[base + 2]! += s * (d * (d2 - 1.25));
  acc[base + 3]! += s * (odd - even);
  acc[base + 4]! += outer * (q * q * q);
}

function dot2(w: Float64Array, base: number, d: number): number {
  const p = 1 - 2 * d;
  const q = 1 + 2 * d;
  const even = 0.5 - 2 * d * d;
  return (
    (w[base]! * (p * p) + w[base + 4]! * (q * q)) * 0.125 +
    w[base + 1]! * (even + d) +
    w[base + 2]! * (3 * d * d - 1.25) +
    w[base + 3]! * (even - d)
  );
}
function add2(acc: Float64Array, base: number, d: number, s: number): void {
  const p = 1 - 2 * d;
  const q = 1 + 2 * d;
  const even = 0.5 - 2 * d * d;
  const outer = s * 0.125;
  acc[base]! += outer * (p * p);
  acc[base + 1]! += s * (even + d);
  acc[base + 2]! += s * (3 * d * d - 1.25);
  acc[base + 3]! += s * (even - d);
  acc[base + 4]! += outer * (q * q);
}

function dot3(w: Float64Array, base: number, d: number): number {
  return (
    0.5 * (w[base + 4]! * (1 + 2 * d) - w[base]! * (1 - 2 * d)) +
    w[base + 1]! * (1 - 4 * d) +
    w[base + 2]! * (6 * d) -
    w[base + 3]! * (1 + 4 * d)
  );
}
function add3(acc: Float64Array, base: number, d: number, s: number): void {
  const half = 0.5 * s;
  acc[base]! -= half * (1 - 2 * d);
  acc[base + 1]! += s * (1 - 4 * d);
  acc[base + 2]! += s * (6 * d);
  acc[base + 3]! -= s * (1 + 4 * d);
  acc[base + 4]! += half * (1 + 2 * d);
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

/** The 5 t-taps of order k at t (scaled by 1/Δtᵏ, linear continuation); returns the first index. */
function tTaps(grid: SplineGrid, t: number, order: TOrder, values: Float64Array): number {
  const dt = knotSpacingT(grid);
  return axisTaps(t, grid.tMin, grid.tMax, dt, grid.tMin - 2 * dt, order, values);
}

/** The z axis in the form both element loops use: u + ½ = z/Δz + offset. */
interface ZAxis {
  readonly zMax: number;
  readonly nz: number;
  readonly dz: number;
  readonly inv: number;
  readonly offset: number;
  /** Centre of basis function 0, −r − 2Δz (for the reference taps). */
  readonly origin: number;
}

function zAxis(grid: SplineGrid): ZAxis {
  const dz = knotSpacingZ(grid);
  const inv = 1 / dz;
  return { zMax: grid.zMax, nz: grid.nz, dz, inv, offset: grid.zMax * inv + 2.5, origin: -grid.zMax - 2 * dz };
}

/** ∂ᵐ_z ∂ᵏ_t f_c(z, t_b) for every element. */
export function splineDerivative(grid: SplineGrid, weights: Float32Array, channels: number, z: Float32Array, ts: ArrayLike<number>, m: ZOrder, k: TOrder): Float32Array {
  const per = checkSizes(grid, channels, z, ts, weights.length);
  const { nz, nt } = grid;
  const axis = zAxis(grid);
  const out = new Float32Array(z.length);
  const wt = new Float64Array(channels * nz);
  const tv = new Float64Array(5);
  const zt = new Float64Array(5);
  for (let b = 0; b < ts.length; b++) {
    // Contract t first: w̃[c, i] = Σ_j w[c, i, j] T_j(t_b).
    const j0 = tTaps(grid, ts[b]!, k, tv);
    for (let r = 0; r < channels * nz; r++) {
      let s = 0;
      for (let q = 0; q < 5; q++) {
        const j = j0 + q;
        if (j >= 0 && j < nt) s += weights[r * nt + j]! * tv[q]!;
      }
      wt[r] = s;
    }
    derivativeBlock(axis, m, channels, z, b * per, per / channels, wt, out, zt);
  }
  return out;
}

/**
 * For the pixels [start, start + pixels·C) of one sample:
 * out_e = ∂ᵐ_z Σ_i w̃[c, i] B((z_e − μ_i)/Δz), extended linearly beyond ±r.
 * Kept out of splineDerivative so that V8 optimises this loop as a whole function.
 */
function derivativeBlock(axis: ZAxis, m: ZOrder, channels: number, z: Float32Array, start: number, pixels: number, wt: Float64Array, out: Float32Array, zt: Float64Array): void {
  const { zMax, nz, inv, offset } = axis;
  const scale = inv ** m; // 1/Δzᵐ
  for (let p = 0; p < pixels; p++) {
    const pixelStart = start + p * channels;
    for (let c = 0, row = 0; c < channels; c++, row += nz) {
      const e = pixelStart + c;
      const zr = z[e]!;
      const zc = zr > zMax ? zMax : zr < -zMax ? -zMax : zr;
      const over = zr - zc;
      const u5 = zc * inv + offset; // u + ½
      const k0 = Math.floor(u5);
      if (!(k0 >= 2 && k0 <= nz - 3 && Math.abs(over) < Infinity)) {
        out[e] = referenceDot(axis, m, zr, zt, wt, row); // NaN or ±∞ input
        continue;
      }
      const d = u5 - k0 - 0.5;
      const base = row + k0 - 2;
      let v: number;
      if (m === 0) v = over === 0 ? dot0(wt, base, d) : dot0(wt, base, d) + dot1(wt, base, d) * inv * over;
      else if (m === 1) v = dot1(wt, base, d) * scale;
      else if (over !== 0) v = 0; // beyond ±r the function is linear in z
      else v = (m === 2 ? dot2(wt, base, d) : dot3(wt, base, d)) * scale;
      out[e] = v;
    }
  }
}

/** Σ_q w[row + i0 + q] · taps_q with the reference `axisTaps` (skipping taps outside the grid). */
function referenceDot(axis: ZAxis, m: ZOrder, x: number, zt: Float64Array, w: Float64Array, row: number): number {
  const i0 = axisTaps(x, -axis.zMax, axis.zMax, axis.dz, axis.origin, m, zt);
  let s = 0;
  for (let q = 0; q < 5; q++) {
    const i = i0 + q;
    if (i >= 0 && i < axis.nz) s += w[row + i]! * zt[q]!;
  }
  return s;
}

/** Σ_e upstream_e · ∂(∂ᵐ_z ∂ᵏ_t f_c(z_e, t_b)) / ∂w[c, i, j], as [C × nz × nt]. */
export function splineWeightGradient(grid: SplineGrid, channels: number, z: Float32Array, ts: ArrayLike<number>, m: ZOrder, k: TOrder, upstream: Float32Array): Float32Array {
  const per = checkSizes(grid, channels, z, ts);
  if (upstream.length !== z.length) {
    throw new GncError('invalid-argument', `spline op: upstream gradient has ${upstream.length} values but the input has ${z.length}`);
  }
  const { nz, nt } = grid;
  const axis = zAxis(grid);
  const grad = new Float64Array(channels * nz * nt);
  const acc = new Float64Array(channels * nz);
  const tv = new Float64Array(5);
  const zt = new Float64Array(5);
  for (let b = 0; b < ts.length; b++) {
    // acc[c, i] = Σ_e g_e ∂ᵐ_z B_i(z_e), then expand over the t-taps of this sample.
    acc.fill(0);
    gradientBlock(axis, m, channels, z, upstream, b * per, per / channels, acc, zt);
    const j0 = tTaps(grid, ts[b]!, k, tv);
    for (let r = 0; r < channels * nz; r++) {
      const a = acc[r]!;
      if (a === 0) continue;
      for (let q = 0; q < 5; q++) {
        const j = j0 + q;
        if (j >= 0 && j < nt) grad[r * nt + j]! += a * tv[q]!;
      }
    }
  }
  return new Float32Array(grad);
}

/** The adjoint of derivativeBlock: acc[c, i] += Σ_e g_e · ∂ᵐ_z B_i(z_e) (extended) over one sample's pixels. */
function gradientBlock(axis: ZAxis, m: ZOrder, channels: number, z: Float32Array, upstream: Float32Array, start: number, pixels: number, acc: Float64Array, zt: Float64Array): void {
  const { zMax, nz, inv, offset } = axis;
  const scale = inv ** m;
  for (let p = 0; p < pixels; p++) {
    const pixelStart = start + p * channels;
    for (let c = 0, row = 0; c < channels; c++, row += nz) {
      const e = pixelStart + c;
      const g = upstream[e]!;
      if (g === 0) continue;
      const zr = z[e]!;
      const zc = zr > zMax ? zMax : zr < -zMax ? -zMax : zr;
      const over = zr - zc;
      const u5 = zc * inv + offset;
      const k0 = Math.floor(u5);
      if (!(k0 >= 2 && k0 <= nz - 3 && Math.abs(over) < Infinity)) {
        referenceScatter(axis, m, zr, zt, acc, row, g); // NaN or ±∞ input
        continue;
      }
      const d = u5 - k0 - 0.5;
      const base = row + k0 - 2;
      if (m === 0) {
        add0(acc, base, d, g);
        if (over !== 0) add1(acc, base, d, g * inv * over);
      } else if (m === 1) {
        add1(acc, base, d, g * scale);
      } else if (over === 0) {
        if (m === 2) add2(acc, base, d, g * scale);
        else add3(acc, base, d, g * scale);
      }
    }
  }
}

/** acc[row + i0 + q] += g · taps_q with the reference `axisTaps` (skipping taps outside the grid). */
function referenceScatter(axis: ZAxis, m: ZOrder, x: number, zt: Float64Array, acc: Float64Array, row: number, g: number): void {
  const i0 = axisTaps(x, -axis.zMax, axis.zMax, axis.dz, axis.origin, m, zt);
  for (let q = 0; q < 5; q++) {
    const i = i0 + q;
    if (i >= 0 && i < axis.nz) acc[row + i]! += g * zt[q]!;
  }
}
