/**
 * Image quality metrics on the engine's [0, 1] float pixels. PSNR follows the
 * benchmark protocol of shared/data/README.md; SSIM follows Wang et al. 2004
 * (ssim_index.m) so numbers compare with published tables.
 */
import { invalidArgument } from '../util/errors.js';

function kindOf(value: unknown): unknown {
  return ArrayBuffer.isView(value) ? value.constructor.name : value;
}

function checkPair(a: Float32Array, b: Float32Array): void {
  if (!(a instanceof Float32Array)) throw invalidArgument('a', 'a Float32Array', kindOf(a));
  if (!(b instanceof Float32Array)) throw invalidArgument('b', 'a Float32Array', kindOf(b));
  if (a.length !== b.length) throw invalidArgument('b.length', `the length of a (${a.length})`, b.length);
  if (a.length === 0) throw invalidArgument('a.length', 'at least one value', 0);
}

export interface MetricOptions {
  /**
   * Clip a to [0, 1] first: the figure of what an integer file of a would
   * hold, without a clipped copy of a (288 MB for a 24 MP colour photo).
   */
  clipA?: boolean;
}

const clip01 = (v: number): number => Math.min(1, Math.max(0, v));

/** Mean squared error, accumulated in double precision. */
export function mse(a: Float32Array, b: Float32Array, options: MetricOptions = {}): number {
  checkPair(a, b);
  let sum = 0;
  if (options.clipA) {
    for (let i = 0; i < a.length; i++) {
      const d = clip01(a[i]!) - b[i]!;
      sum += d * d;
    }
  } else {
    for (let i = 0; i < a.length; i++) {
      const d = a[i]! - b[i]!;
      sum += d * d;
    }
  }
  return sum / a.length;
}

/** Peak signal-to-noise ratio in dB; Infinity for identical inputs. */
export function psnr(a: Float32Array, b: Float32Array, peak = 1, options: MetricOptions = {}): number {
  if (typeof peak !== 'number' || !(peak > 0) || !Number.isFinite(peak)) throw invalidArgument('peak', 'a positive number', peak);
  const e = mse(a, b, options);
  return e === 0 ? Infinity : 10 * Math.log10((peak * peak) / e);
}

const WINDOW = 11;
const SIGMA = 1.5;
const C1 = (0.01 * 1) ** 2; // K1 = 0.01, data range L = 1
const C2 = (0.03 * 1) ** 2; // K2 = 0.03

function gaussianWindow(): Float64Array {
  const w = new Float64Array(WINDOW);
  const r = (WINDOW - 1) / 2;
  let sum = 0;
  for (let i = 0; i < WINDOW; i++) {
    w[i] = Math.exp(-((i - r) ** 2) / (2 * SIGMA * SIGMA));
    sum += w[i]!;
  }
  for (let i = 0; i < WINDOW; i++) w[i]! /= sum;
  return w;
}

/**
 * Mean structural similarity of two HWC images on [0, 1]: 11×11 Gaussian
 * window (σ = 1.5), only positions where the window fits entirely ('valid'),
 * averaged over positions and then channels. The 2-D Gaussian is separable,
 * so five local moments cost 2·11 multiply-adds per pixel instead of 121.
 * The row-filtered moments are kept for the last 11 rows only, so memory does
 * not grow with the image (the whole-image version held 40 bytes a pixel:
 * 960 MB for a 24 MP photo).
 */
export function ssim(a: Float32Array, b: Float32Array, width: number, height: number, channels: number, options: MetricOptions = {}): number {
  checkPair(a, b);
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < WINDOW) throw invalidArgument(name, `an integer of at least ${WINDOW} (the SSIM window)`, v);
  }
  if (!Number.isInteger(channels) || channels < 1) throw invalidArgument('channels', 'a positive integer', channels);
  if (a.length !== width * height * channels) {
    throw invalidArgument('a.length', `${width}×${height}×${channels} = ${width * height * channels}`, a.length);
  }
  const w = gaussianWindow();
  const ow = width - WINDOW + 1;
  const oh = height - WINDOW + 1;
  const clipA = options.clipA === true;
  // Row-filtered moments μx, μy, E[x²], E[y²], E[xy] for each valid column of
  // the last WINDOW rows; row y lives in slot y mod WINDOW.
  const rows = Array.from({ length: 5 }, () => new Float64Array(WINDOW * ow));
  const [rx, ry, rxx, ryy, rxy] = rows as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  let total = 0;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let y = 0; y < height; y++) {
      const rowStart = y * width;
      const slot = (y % WINDOW) * ow;
      for (let x = 0; x < ow; x++) {
        let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (let k = 0; k < WINDOW; k++) {
          const idx = (rowStart + x + k) * channels + c;
          const va = clipA ? clip01(a[idx]!) : a[idx]!;
          const vb = b[idx]!;
          const wk = w[k]!;
          sx += wk * va;
          sy += wk * vb;
          sxx += wk * va * va;
          syy += wk * vb * vb;
          sxy += wk * va * vb;
        }
        const o = slot + x;
        rx[o] = sx; ry[o] = sy; rxx[o] = sxx; ryy[o] = syy; rxy[o] = sxy;
      }
      // Output row y0 needs rows y0 … y0 + WINDOW − 1: complete once row y is in.
      const y0 = y - WINDOW + 1;
      if (y0 < 0) continue;
      for (let x = 0; x < ow; x++) {
        let mx = 0, my = 0, exx = 0, eyy = 0, exy = 0;
        for (let k = 0; k < WINDOW; k++) {
          const o = ((y0 + k) % WINDOW) * ow + x;
          const wk = w[k]!;
          mx += wk * rx[o]!;
          my += wk * ry[o]!;
          exx += wk * rxx[o]!;
          eyy += wk * ryy[o]!;
          exy += wk * rxy[o]!;
        }
        const vx = exx - mx * mx;
        const vy = eyy - my * my;
        const cxy = exy - mx * my;
        sum += ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
      }
    }
    total += sum / (ow * oh);
  }
  return total / channels;
}
