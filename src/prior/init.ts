/**
 * Initialisations of method.md §2: first-layer kernels from the 2-D DCT basis
 * without its constant atom, later layers Kaiming-normal, intermediate
 * activations as the identity and the final potential as z²/2.
 */
import { fitSplineChannel, type SplineGrid } from './spline2d.js';
import { GncError } from '../util/errors.js';

/** Orthonormal 1-D DCT-II basis vector `u` of length n. */
function dct1(n: number, u: number): Float64Array {
  const v = new Float64Array(n);
  const scale = u === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n);
  for (let i = 0; i < n; i++) v[i] = scale * Math.cos((Math.PI * (2 * i + 1) * u) / (2 * n));
  return v;
}

/**
 * `count` orthonormal k×k DCT atoms without the DC atom, lowest frequencies
 * first, as HWIO weights [k, k, inChannels, count]. For inChannels > 1 each
 * spatial atom is paired with a channel pattern from the orthonormal DCT over
 * channels (the channel-DC pattern first), skipping only the overall DC atom.
 */
export function dctKernels(k: number, count: number, inChannels = 1): Float32Array {
  const atoms: Array<{ freq: number; u: number; v: number; ch: number }> = [];
  for (let ch = 0; ch < inChannels; ch++) {
    for (let u = 0; u < k; u++) {
      for (let v = 0; v < k; v++) {
        if (u === 0 && v === 0 && ch === 0) continue;
        atoms.push({ freq: u + v + ch, u, v, ch });
      }
    }
  }
  if (count > atoms.length) {
    throw new GncError('invalid-argument', `dctKernels: a ${k}×${k}×${inChannels} DCT has ${atoms.length} non-DC atoms but ${count} were requested`);
  }
  atoms.sort((a, b) => a.freq - b.freq || a.ch - b.ch || a.u - b.u || a.v - b.v);
  const out = new Float32Array(k * k * inChannels * count);
  for (let f = 0; f < count; f++) {
    const { u, v, ch } = atoms[f]!;
    const row = dct1(k, u);
    const col = dct1(k, v);
    const chan = dct1(inChannels, ch);
    for (let y = 0; y < k; y++) {
      for (let x = 0; x < k; x++) {
        for (let c = 0; c < inChannels; c++) {
          out[((y * k + x) * inChannels + c) * count + f] = row[y]! * col[x]! * chan[c]!;
        }
      }
    }
  }
  return out;
}

/** Kaiming-normal weights (std √(2 / fan_in)) from a seeded uniform source. */
export function kaimingKernels(k: number, cin: number, cout: number, random: () => number): Float32Array {
  const std = Math.sqrt(2 / (k * k * cin));
  const out = new Float32Array(k * k * cin * cout);
  for (let i = 0; i < out.length; i += 2) {
    // Box–Muller: two normals per pair of uniforms.
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const a = 2 * Math.PI * random();
    out[i] = std * r * Math.cos(a);
    if (i + 1 < out.length) out[i + 1] = std * r * Math.sin(a);
  }
  return out;
}

/** Spline weights for `channels` copies of f(z, t), fitted by least squares on a dense grid. */
export function splineWeightsFor(
  grid: SplineGrid,
  channels: number,
  f: (z: number, t: number) => number,
  tWeight?: (t: number) => number,
): Float32Array {
  const zs = Array.from({ length: 4 * grid.nz + 1 }, (_, i) => -grid.zMax + (2 * grid.zMax * i) / (4 * grid.nz));
  const ts = Array.from({ length: 4 * grid.nt + 1 }, (_, i) => grid.tMin + ((grid.tMax - grid.tMin) * i) / (4 * grid.nt));
  const one = fitSplineChannel(grid, zs, ts, f, tWeight ? { tWeight } : {});
  const out = new Float32Array(channels * one.length);
  for (let c = 0; c < channels; c++) out.set(one, c * one.length);
  return out;
}

export const identityActivation = (z: number): number => z;
export const quadraticPotential = (z: number): number => 0.5 * z * z;
