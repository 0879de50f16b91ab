/**
 * Tensor-product quartic B-spline functions f_c(z, t) of a feature value z and
 * the log-smoothing t (method.md §2), one function per feature channel c:
 *
 *   f_c(z, t) = Σ_i Σ_j w[c, i, j] · B((z − μ_i)/Δz) · B((t − ν_j)/Δt)
 *
 * Knots: μ_i = −r + (i − 2)Δz for i = 0..nz−1 (two extra knots beyond each end
 * of [−r, r], so the basis sums to one on the whole interval), likewise ν_j on
 * [tMin, tMax]. Outside those intervals f is extended linearly so that every
 * derivative stays defined and bounded.
 *
 * Evaluation is local: the t-basis is contracted once per (sample, channel),
 * then each element gathers only the 5 non-zero z-basis functions. No dense
 * (elements × nz) matrix is ever built; the loops run on plain typed arrays,
 * which design.md measured to be far faster than tfjs gather/scatter on wasm.
 */
import { bspline, bsplineD1, bsplineD2 } from './bspline.js';
import { GncError } from '../util/errors.js';

export interface SplineGrid {
  /** Half-width r of the feature interval [−r, r]. */
  readonly zMax: number;
  /** Number of z knots, including the two extra knots at each end (≥ 6). */
  readonly nz: number;
  readonly tMin: number;
  readonly tMax: number;
  /** Number of t knots, including the two extra knots at each end (≥ 6). */
  readonly nt: number;
}

export function checkGrid(grid: SplineGrid, where: string): void {
  const bad = (what: string) => new GncError('invalid-model', `${where}: spline grid ${what} (got ${JSON.stringify(grid)})`);
  if (!(grid.zMax > 0) || !Number.isFinite(grid.zMax)) throw bad('needs zMax > 0');
  if (!Number.isInteger(grid.nz) || grid.nz < 6) throw bad('needs an integer nz ≥ 6');
  if (!Number.isInteger(grid.nt) || grid.nt < 6) throw bad('needs an integer nt ≥ 6');
  if (!(grid.tMax > grid.tMin) || !Number.isFinite(grid.tMin) || !Number.isFinite(grid.tMax)) {
    throw bad('needs finite tMin < tMax');
  }
}

export function knotSpacingZ(g: SplineGrid): number {
  return (2 * g.zMax) / (g.nz - 5);
}
export function knotSpacingT(g: SplineGrid): number {
  return (g.tMax - g.tMin) / (g.nt - 5);
}
/** μ_i, the centre of z-basis function i. */
export function knotZ(g: SplineGrid, i: number): number {
  return -g.zMax + (i - 2) * knotSpacingZ(g);
}
/** ν_j, the centre of t-basis function j. */
export function knotT(g: SplineGrid, j: number): number {
  return g.tMin + (j - 2) * knotSpacingT(g);
}

/**
 * Per-channel coefficient vectors along z after contracting the t-basis at one t:
 *   order 0: w̃_i = Σ_j w_ij B((t − ν_j)/Δt), order 1: ∂w̃_i/∂t, order 2: ∂²w̃_i/∂t².
 * Outside [tMin, tMax] the function continues linearly in t.
 * Returns [C × nz] row-major.
 */
export function contractT(grid: SplineGrid, weights: Float32Array, channels: number, t: number, order: 0 | 1 | 2): Float64Array {
  const { nz, nt } = grid;
  const dt = knotSpacingT(grid);
  const tc = Math.min(grid.tMax, Math.max(grid.tMin, t));
  const over = t - tc;
  // Basis values B^(k)((tc − ν_j)/Δt)/Δt^k for the j with non-zero support.
  const basis = (k: 0 | 1 | 2): Float64Array => {
    const b = new Float64Array(nt);
    const scale = k === 0 ? 1 : k === 1 ? 1 / dt : 1 / (dt * dt);
    const fn = k === 0 ? bspline : k === 1 ? bsplineD1 : bsplineD2;
    const u = (tc - grid.tMin) / dt + 2;
    for (let j = Math.max(0, Math.ceil(u - 2.5)); j <= Math.min(nt - 1, Math.floor(u + 2.5)); j++) b[j] = fn(u - j) * scale;
    return b;
  };
  let coeff: Float64Array;
  if (over === 0) {
    coeff = basis(order);
  } else if (order === 0) {
    const b0 = basis(0);
    const b1 = basis(1);
    coeff = b0.map((v, j) => v + over * b1[j]!);
  } else if (order === 1) {
    coeff = basis(1);
  } else {
    coeff = new Float64Array(nt);
  }
  const out = new Float64Array(channels * nz);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < nz; i++) {
      const row = (c * nz + i) * nt;
      let s = 0;
      for (let j = 0; j < nt; j++) s += weights[row + j]! * coeff[j]!;
      out[c * nz + i] = s;
    }
  }
  return out;
}

/** What to compute per element: f and its partial derivatives (z = feature, t = log σ). */
export interface SplineRequest {
  f?: boolean;
  fz?: boolean;
  ft?: boolean;
  fzz?: boolean;
  fzt?: boolean;
  ftt?: boolean;
}
export type SplineOutputs = { [K in keyof SplineRequest]?: Float32Array };

/**
 * Evaluates f_c(z, t_b) and the requested partial derivatives for every element
 * of an NHWC feature array `z` (channel = innermost index, sample b = outer
 * index of size `perSample` = H·W·C) with one t per sample.
 */
export function evalSpline(
  grid: SplineGrid,
  weights: Float32Array,
  channels: number,
  z: Float32Array,
  tPerSample: ArrayLike<number>,
  request: SplineRequest,
): SplineOutputs {
  const n = z.length;
  const samples = tPerSample.length;
  if (samples === 0 || n % samples !== 0 || (n / samples) % channels !== 0) {
    throw new GncError(
      'invalid-argument',
      `evalSpline: ${n} feature values cannot be split into ${samples} samples of ${channels} channels`,
    );
  }
  if (weights.length !== channels * grid.nz * grid.nt) {
    throw new GncError(
      'invalid-argument',
      `evalSpline: expected ${channels}×${grid.nz}×${grid.nt} spline weights but received ${weights.length}`,
    );
  }
  const perSample = n / samples;
  const out: SplineOutputs = {};
  for (const key of ['f', 'fz', 'ft', 'fzz', 'fzt', 'ftt'] as const) if (request[key]) out[key] = new Float32Array(n);
  const needT0 = !!(request.f || request.fz || request.fzz);
  const needT1 = !!(request.ft || request.fzt);
  const needT2 = !!request.ftt;
  for (let b = 0; b < samples; b++) {
    const t = tPerSample[b]!;
    const w0 = needT0 ? contractT(grid, weights, channels, t, 0) : undefined;
    const w1 = needT1 ? contractT(grid, weights, channels, t, 1) : undefined;
    const w2 = needT2 ? contractT(grid, weights, channels, t, 2) : undefined;
    const start = b * perSample;
    // f, fz, fzz come from w0; ft, fzt from w1; ftt from w2 (value order in z).
    if (w0) evalBlock(grid, channels, z, start, perSample, w0, out.f, out.fz, out.fzz);
    if (w1) evalBlock(grid, channels, z, start, perSample, w1, out.ft, out.fzt, undefined);
    if (w2) evalBlock(grid, channels, z, start, perSample, w2, out.ftt, undefined, undefined);
  }
  return out;
}

/**
 * For one sample: g(z) = Σ_i w[c, i] B((z − μ_i)/Δz) with its first two z-derivatives,
 * written to whichever of v0 (g), v1 (g'), v2 (g'') are given. The slope-only
 * case (the gradient ∇ₓR, every solver step) has its own tight loop.
 */
function evalBlock(
  grid: SplineGrid,
  channels: number,
  z: Float32Array,
  start: number,
  count: number,
  w: Float64Array,
  v0: Float32Array | undefined,
  v1: Float32Array | undefined,
  v2: Float32Array | undefined,
): void {
  if (v1 && !v0 && !v2) {
    evalSlope(grid, channels, z, start, count, w, v1);
    return;
  }
  const { nz, zMax } = grid;
  const dz = knotSpacingZ(grid);
  const inv = 1 / dz;
  const inv2 = inv * inv;
  const pixels = count / channels;
  for (let p = 0; p < pixels; p++) {
    const pixelStart = start + p * channels;
    for (let c = 0; c < channels; c++) {
      const e = pixelStart + c;
      const zr = z[e]!;
      const zc = zr > zMax ? zMax : zr < -zMax ? -zMax : zr;
      const over = zr - zc;
      const u = (zc + zMax) * inv + 2;
      const k0 = Math.floor(u + 0.5);
      const d = u - k0; // in [−0.5, 0.5)
      // Tap i = k0 + m has argument u − i = d − m, m = −2..2.
      const base = c * nz + k0 - 2;
      const wa = w[base]!;
      const wb = w[base + 1]!;
      const wc = w[base + 2]!;
      const wd = w[base + 3]!;
      const we = w[base + 4]!;
      const pp = 1 - 2 * d; // 5 − 2(d+2)
      const q = 1 + 2 * d; // 5 − 2(2−d)
      const p2 = pp * pp;
      const q2 = q * q;
      const d2 = d * d;
      const a1 = 1 + d;
      const a3 = 1 - d;
      // B'(d+2) = −8p³/384, B'(d+1) = mid'(1+d), B'(d) = −5/4 d + d³, B'(d−1) = −mid'(1−d), B'(d−2) = 8q³/384.
      const g1 =
        (wa * (-8 * p2 * pp) / 384 + wb * midD1(a1) + wc * (-1.25 * d + d2 * d) - wd * midD1(a3) + we * (8 * q2 * q) / 384) * inv;
      if (v0) {
        const g0 =
          (wa * (p2 * p2)) / 384 +
          wb * mid(a1) +
          wc * (115 / 192 - 0.625 * d2 + 0.25 * d2 * d2) +
          wd * mid(a3) +
          (we * (q2 * q2)) / 384;
        v0[e] = g0 + g1 * over; // linear continuation beyond ±zMax
      }
      if (v1) v1[e] = g1;
      if (v2) {
        v2[e] =
          over !== 0
            ? 0
            : (wa * (48 * p2) / 384 + wb * midD2(a1) + wc * (-1.25 + 3 * d2) + wd * midD2(a3) + we * (48 * q2) / 384) * inv2;
      }
    }
  }
}

/** g'(z) only, the hot path of every gradient evaluation. Same algebra as evalBlock. */
function evalSlope(grid: SplineGrid, channels: number, z: Float32Array, start: number, count: number, w: Float64Array, out: Float32Array): void {
  const { nz, zMax } = grid;
  const inv = 1 / knotSpacingZ(grid);
  const offset = zMax * inv + 2.5;
  const pixels = count / channels;
  for (let p = 0; p < pixels; p++) {
    const pixelStart = start + p * channels;
    for (let c = 0; c < channels; c++) {
      const e = pixelStart + c;
      const zr = z[e]!;
      const zc = zr > zMax ? zMax : zr < -zMax ? -zMax : zr;
      const u5 = zc * inv + offset; // u + 0.5
      const k0 = Math.floor(u5);
      const d = u5 - k0 - 0.5;
      const base = c * nz + k0 - 2;
      const pp = 1 - 2 * d;
      const q = 1 + 2 * d;
      const a1 = 1 + d;
      const a3 = 1 - d;
      out[e] =
        (w[base]! * (-8 * pp * pp * pp) +
          w[base + 4]! * (8 * q * q * q) +
          384 * (w[base + 1]! * midD1(a1) + w[base + 2]! * (d * d * d - 1.25 * d) - w[base + 3]! * midD1(a3))) *
        (inv / 384);
    }
  }
}

// The middle piece of B for 0.5 ≤ a ≤ 1.5 and its derivatives in a.
function mid(a: number): number {
  const a2 = a * a;
  return (55 + 20 * a - 120 * a2 + 80 * a2 * a - 16 * a2 * a2) / 96;
}
function midD1(a: number): number {
  return (20 - 240 * a + 240 * a * a - 64 * a * a * a) / 96;
}
function midD2(a: number): number {
  return (-240 + 480 * a - 192 * a * a) / 96;
}

/**
 * Least-squares fit of the weights of one channel to samples F[k, l] = f(zs[k], ts[l])
 * on a grid, solved separably: W = (BzᵀBz + λI)⁻¹ Bzᵀ F Bt (BtᵀBt + λI)⁻¹.
 * Each basis matrix row has at most 5 non-zeros, so the normal matrices are
 * banded (half-bandwidth 4) and are factorised in O(n) instead of O(n³).
 * Used to initialise potentials (e.g. z²/2) and to build starter priors.
 * Returns [nz × nt] row-major.
 */
export function fitSplineChannel(
  grid: SplineGrid,
  zs: ArrayLike<number>,
  ts: ArrayLike<number>,
  values: (z: number, t: number) => number,
  options: { ridge?: number; tWeight?: (t: number) => number } = {},
): Float32Array {
  const { nz, nt } = grid;
  const ridge = options.ridge ?? 1e-8;
  const Bz = sparseBasis(zs, nz, knotSpacingZ(grid), knotZ(grid, 0));
  const Bt = sparseBasis(ts, nt, knotSpacingT(grid), knotT(grid, 0));
  const F = new Float64Array(zs.length * ts.length);
  for (let k = 0; k < zs.length; k++) for (let l = 0; l < ts.length; l++) F[k * ts.length + l] = values(zs[k]!, ts[l]!);
  // Left solve: A = (BzᵀBz)⁻¹ Bzᵀ F → [nz × nts]; each t column is independent.
  const left = transpose(solveBanded(Bz, nz, F, ts.length, ridge), nz, ts.length);
  // Right solve across t, optionally weighted: functions whose scale changes by
  // orders of magnitude along t (energies ∝ 1/σ²) need relative, not absolute, accuracy.
  if (options.tWeight) {
    for (let l = 0; l < ts.length; l++) {
      const wl = options.tWeight(ts[l]!);
      for (let m = 0; m < 5; m++) Bt.values[l * 5 + m]! *= wl;
      for (let i = 0; i < nz; i++) left[l * nz + i]! *= wl;
    }
  }
  const Wt = solveBanded(Bt, nt, left, nz, ridge);
  return Float32Array.from(transpose(Wt, nt, nz));
}

/** Rows of a B-spline design matrix, each as (first column, 5 values). */
interface SparseBasis {
  rows: number;
  first: Int32Array;
  values: Float64Array;
}

function sparseBasis(xs: ArrayLike<number>, n: number, spacing: number, origin: number): SparseBasis {
  const first = new Int32Array(xs.length);
  const values = new Float64Array(xs.length * 5);
  for (let r = 0; r < xs.length; r++) {
    const u = (xs[r]! - origin) / spacing;
    const k0 = Math.floor(u + 0.5);
    first[r] = k0 - 2;
    for (let m = 0; m < 5; m++) {
      const col = k0 - 2 + m;
      values[r * 5 + m] = col >= 0 && col < n ? bspline(u - col) : 0;
    }
  }
  return { rows: xs.length, first, values };
}

function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c]!;
  return t;
}

/** Solves (AᵀA + λI) X = Aᵀ Y for X [n × k] with a banded Cholesky factorisation. */
function solveBanded(A: SparseBasis, n: number, Y: Float64Array, k: number, ridge: number): Float64Array {
  const bw = 4;
  // G stored as band: G[i][d] = G(i, i − d) for d = 0..bw.
  const G = new Float64Array(n * (bw + 1));
  const R = new Float64Array(n * k);
  for (let r = 0; r < A.rows; r++) {
    const f = A.first[r]!;
    for (let a = 0; a < 5; a++) {
      const i = f + a;
      const va = A.values[r * 5 + a]!;
      if (i < 0 || i >= n || va === 0) continue;
      for (let b = 0; b <= a; b++) {
        const j = f + b;
        const vb = A.values[r * 5 + b]!;
        if (j < 0 || vb === 0) continue;
        G[i * (bw + 1) + (i - j)]! += va * vb;
      }
      for (let c = 0; c < k; c++) R[i * k + c]! += va * Y[r * k + c]!;
    }
  }
  for (let i = 0; i < n; i++) G[i * (bw + 1)]! += ridge * (1 + G[i * (bw + 1)]!);
  const at = (i: number, j: number): number => (i - j > bw || j > i ? 0 : G[i * (bw + 1) + (i - j)]!);
  // In-place banded Cholesky: G = L Lᵀ.
  for (let j = 0; j < n; j++) {
    let s = at(j, j);
    for (let p = Math.max(0, j - bw); p < j; p++) s -= at(j, p) ** 2;
    if (!(s > 0)) throw new GncError('invalid-argument', 'fitSplineChannel: the sample grid does not determine every spline weight');
    const d = Math.sqrt(s);
    G[j * (bw + 1)] = d;
    for (let i = j + 1; i <= Math.min(n - 1, j + bw); i++) {
      let v = at(i, j);
      for (let p = Math.max(0, i - bw); p < j; p++) v -= at(i, p) * at(j, p);
      G[i * (bw + 1) + (i - j)] = v / d;
    }
  }
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      let v = R[i * k + c]!;
      for (let p = Math.max(0, i - bw); p < i; p++) v -= at(i, p) * R[p * k + c]!;
      R[i * k + c] = v / at(i, i);
    }
    for (let i = n - 1; i >= 0; i--) {
      let v = R[i * k + c]!;
      for (let p = i + 1; p <= Math.min(n - 1, i + bw); p++) v -= at(p, i) * R[p * k + c]!;
      R[i * k + c] = v / at(i, i);
    }
  }
  return R;
}
