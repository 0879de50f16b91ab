/**
 * The FoE splines at a fixed t as per-interval polynomials, the form the ONNX
 * graph evaluates with one gather per coefficient.
 *
 * At a fixed t, f_c(z, t) = Σ_i w̃[c, i] B((z − μ_i)/Δz) with w̃ the t-contracted
 * weights (spline2d `contractT`, including its linear continuation in t). In
 * knot units v = (z + zMax)/Δz + 2.5, clamped to [2.5, nz − 2.5], the interval
 * k = ⌊v⌋ and s = v − k ∈ [0, 1) select the five taps i = k−2..k+2 with
 * arguments d − m, d = s − ½ (the same interval choice as spline2d's
 * evaluation), so on that interval f is a quartic in s and ∂zf a cubic:
 *
 *   f  = a0 + a1 s + a2 s² + a3 s³ + a4 s⁴
 *   ∂zf = b0 + b1 s + b2 s² + b3 s³   (already divided by Δz)
 *
 * and likewise ∂ₜf and ∂z∂ₜf from the t-derivative of the contracted weights.
 *
 * Beyond ±zMax the graph continues f linearly with the boundary slope, as
 * spline2d does.
 */
import type { FoEArchitecture, FoEParameters } from '../prior/foe.js';
import { contractT, knotSpacingZ, type SplineGrid } from '../prior/spline2d.js';

/**
 * Rows per (sample, channel) in a table: a0..a4 and b0..b3 of f, then the
 * same nine of ∂ₜf (for ∂ₜR), from the t-derivative of the contracted weights.
 */
export const TABLE_ROWS = 18;
/** First row of the ∂ₜf polynomials. */
export const T_ROWS = 9;

type Poly = number[];

function addScaled(acc: Poly, p: Poly, scale: number): void {
  for (let i = 0; i < p.length; i++) acc[i] = (acc[i] ?? 0) + scale * p[i]!;
}

function multiply(a: Poly, b: Poly): Poly {
  const out = new Array<number>(a.length + b.length - 1).fill(0);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) out[i + j]! += a[i]! * b[j]!;
  return out;
}

/** p(α + β x) expanded in x. */
function compose(p: Poly, alpha: number, beta: number): Poly {
  let out: Poly = [0];
  for (let i = p.length - 1; i >= 0; i--) {
    out = multiply(out, [alpha, beta]);
    out[0]! += p[i]!;
  }
  return out;
}

const MID: Poly = [55 / 96, 20 / 96, -120 / 96, 80 / 96, -16 / 96];
const INNER: Poly = [115 / 192, 0, -5 / 8, 0, 1 / 4];
const OUTER: Poly = [0, 0, 0, 0, 1 / 384];

/**
 * The five basis pieces on one interval as polynomials in s (d = s − ½):
 * tap m = −2..2 has argument d − m, i.e. B(d+2) = (1−2d)⁴/384, B(d+1) = mid(1+d),
 * B(d) = inner(d), B(d−1) = mid(1−d), B(d−2) = (1+2d)⁴/384.
 */
const PIECES_IN_S: Poly[] = [
  compose(OUTER, 1, -2),
  compose(MID, 1, 1),
  INNER,
  compose(MID, 1, -1),
  compose(OUTER, 1, 2),
].map((p) => compose(p, -0.5, 1));

/** Lower and upper clamp of v, and the offset that maps z to v. */
export function knotFrame(grid: SplineGrid): { inv: number; offset: number; lo: number; hi: number } {
  const inv = 1 / knotSpacingZ(grid);
  return { inv, offset: grid.zMax * inv + 2.5, lo: 2.5, hi: grid.nz - 2.5 };
}

/**
 * Fills `out` (at `at`, [channels, TABLE_ROWS, nz] row-major) with the
 * interval polynomials of every channel at one t.
 */
export function fillSplineTable(grid: SplineGrid, weights: Float32Array, channels: number, t: number, out: Float32Array, at: number): void {
  const { nz } = grid;
  const inv = 1 / knotSpacingZ(grid);
  for (const [order, first] of [[0, 0], [1, T_ROWS]] as const) {
    const w = contractT(grid, weights, channels, t, order);
    for (let c = 0; c < channels; c++) {
      const rowBase = at + (c * TABLE_ROWS + first) * nz;
      for (let k = 2; k <= nz - 3; k++) {
        const f: Poly = [0, 0, 0, 0, 0];
        for (let m = -2; m <= 2; m++) addScaled(f, PIECES_IN_S[m + 2]!, w[c * nz + k + m]!);
        for (let j = 0; j < 5; j++) out[rowBase + j * nz + k] = f[j]!;
        for (let j = 0; j < 4; j++) out[rowBase + (5 + j) * nz + k] = (j + 1) * f[j + 1]! * inv;
      }
    }
  }
}

/** Per layer: the table for every sample's t, [samples, features, TABLE_ROWS, nz]. */
export function splineTables(arch: FoEArchitecture, params: FoEParameters, ts: ArrayLike<number>): Float32Array[] {
  return arch.layers.map((layer, l) => {
    const per = layer.features * TABLE_ROWS * layer.spline.nz;
    const out = new Float32Array(ts.length * per);
    for (let b = 0; b < ts.length; b++) fillSplineTable(layer.spline, params.splines[l]!, layer.features, ts[b]!, out, b * per);
    return out;
  });
}
