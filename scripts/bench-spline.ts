/**
 * `npx tsx scripts/bench-spline.ts`: time per call of splineDerivative and
 * splineWeightGradient (src/prior/spline-adjoint.ts) at the training shape
 * (16 × 64×64 patches × 48 channels, default grid nz = 31, nt = 9), against
 * the original generic implementation kept below as the reference, for every
 * (m, k) the training loss uses. Also asserts that both agree to
 * 1e-4 · max|reference| (exits non-zero otherwise).
 */
import { bspline, bsplineD1, bsplineD2, bsplineD3 } from '../src/prior/bspline.js';
import { knotSpacingT, knotSpacingZ, type SplineGrid } from '../src/prior/spline2d.js';
import { splineDerivative, splineWeightGradient, type TOrder, type ZOrder } from '../src/prior/spline-adjoint.js';
import { Prng } from '../src/util/random.js';

// ---- Reference: the original generic implementation (per-element axisTaps). ----

const BASIS = [bspline, bsplineD1, bsplineD2, bsplineD3] as const;

function axisTaps(x: number, lo: number, hi: number, spacing: number, origin: number, order: number, out: Float64Array): number {
  const xc = x > hi ? hi : x < lo ? lo : x;
  const over = x - xc;
  const u = (xc - origin) / spacing;
  const k0 = Math.floor(u + 0.5);
  const first = k0 - 2;
  for (let m = 0; m < 5; m++) {
    const arg = u - (first + m);
    if (over === 0) out[m] = BASIS[order]!(arg) / spacing ** order;
    else if (order === 0) out[m] = BASIS[0](arg) + (BASIS[1](arg) / spacing) * over;
    else if (order === 1) out[m] = BASIS[1](arg) / spacing;
    else out[m] = 0;
  }
  return first;
}

function tTaps(grid: SplineGrid, t: number, order: TOrder): { first: number; values: Float64Array } {
  const dt = knotSpacingT(grid);
  const values = new Float64Array(5);
  const first = axisTaps(t, grid.tMin, grid.tMax, dt, grid.tMin - 2 * dt, order, values);
  return { first, values };
}

function refDerivative(grid: SplineGrid, weights: Float32Array, channels: number, z: Float32Array, ts: ArrayLike<number>, m: ZOrder, k: TOrder): Float32Array {
  const per = z.length / ts.length;
  const { nz, nt } = grid;
  const dz = knotSpacingZ(grid);
  const out = new Float32Array(z.length);
  const zt = new Float64Array(5);
  for (let b = 0; b < ts.length; b++) {
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

function refWeightGradient(grid: SplineGrid, channels: number, z: Float32Array, ts: ArrayLike<number>, m: ZOrder, k: TOrder, upstream: Float32Array): Float32Array {
  const per = z.length / ts.length;
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

// ---- Benchmark. ----

/** Best of `repeats` timed calls after one warm-up (the least disturbed by other load on the machine). */
function timeIt(f: () => void, repeats: number): number {
  f();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
function maxAbsDiff(a: Float32Array, b: Float32Array): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { diff, scale };
}

const batch = 16;
const side = 64;
const channels = 48;
const grid: SplineGrid = { zMax: 2, nz: 31, tMin: Math.log(0.01), tMax: Math.log(0.6), nt: 9 };
const rng = new Prng(7);
const n = batch * side * side * channels;
// Features ~ N(0, (zMax/2)²): about 5 % lie beyond ±zMax (linear continuation).
const z = Float32Array.from({ length: n }, () => 0.5 * grid.zMax * rng.gaussian());
const weights = Float32Array.from({ length: channels * grid.nz * grid.nt }, () => rng.uniform() * 2 - 1);
const upstream = Float32Array.from({ length: n }, () => rng.gaussian());
// One t per sample, two of them outside [tMin, tMax].
const ts = Array.from({ length: batch }, (_, b) => (b === 0 ? grid.tMin - 0.3 : b === 1 ? grid.tMax + 0.2 : grid.tMin + rng.uniform() * (grid.tMax - grid.tMin)));
const orders: Array<[ZOrder, TOrder]> = [[0, 0], [1, 0], [2, 0], [3, 0], [0, 1], [1, 1], [2, 1], [0, 2]];

console.log(`spline ops, ${batch} × ${side}×${side} × ${channels} = ${n} elements, grid nz=${grid.nz} nt=${grid.nt}; best-of-N ms per call`);
console.log('(m,k)  derivative old → new (×)          weight gradient old → new (×)');
let failed = false;
let worst = 0;
const check = (what: string, got: Float32Array, ref: Float32Array) => {
  const { diff, scale } = maxAbsDiff(got, ref);
  worst = Math.max(worst, diff / scale);
  if (!(diff < 1e-4 * scale)) {
    failed = true;
    console.error(`  MISMATCH ${what}: max |Δ| = ${diff.toExponential(2)}, scale ${scale.toExponential(2)}`);
  }
};
for (const [m, k] of orders) {
  check(`derivative (${m},${k})`, splineDerivative(grid, weights, channels, z, ts, m, k), refDerivative(grid, weights, channels, z, ts, m, k));
  check(`gradient (${m},${k})`, splineWeightGradient(grid, channels, z, ts, m, k, upstream), refWeightGradient(grid, channels, z, ts, m, k, upstream));
  const dOld = timeIt(() => refDerivative(grid, weights, channels, z, ts, m, k), 4);
  const dNew = timeIt(() => splineDerivative(grid, weights, channels, z, ts, m, k), 10);
  const gOld = timeIt(() => refWeightGradient(grid, channels, z, ts, m, k, upstream), 4);
  const gNew = timeIt(() => splineWeightGradient(grid, channels, z, ts, m, k, upstream), 10);
  const f = (x: number) => x.toFixed(1).padStart(6);
  console.log(
    `(${m},${k})  ${f(dOld)} → ${f(dNew)} (${(dOld / dNew).toFixed(1).padStart(4)}×)` +
      `          ${f(gOld)} → ${f(gNew)} (${(gOld / gNew).toFixed(1).padStart(4)}×)`,
  );
}
if (failed) {
  console.error('new and reference implementations disagree');
  process.exit(1);
}
console.log(`all results agree with the reference: max |Δ| ≤ ${worst.toExponential(1)} · max|reference| (limit 1e-4)`);
