/**
 * Blind estimation of the noise in a photo from the photo itself, so the user
 * need not know σ before denoising.
 *
 * Additive white Gaussian noise: the block-DCT method of Ponomarenko et al.
 * (N. N. Ponomarenko, V. V. Lukin, S. K. Abramov, K. O. Egiazarian, J. T. Astola,
 * "Blind evaluation of additive noise variance in textured images by nonlinear
 * processing of block DCT coefficients", Proc. SPIE 5014, 2003; analysed and
 * extended to noise curves by M. Colom and A. Buades, "Analysis and extension
 * of the Ponomarenko et al. method", IPOL 2013). The image is cut into 8×8
 * blocks; each block's orthonormal DCT is split into low frequencies
 * (1 ≤ u+v ≤ 3), which measure texture, and high frequencies (u+v ≥ 7, 36
 * coefficients), which hold mostly noise. The blocks with the least
 * low-frequency energy are kept and σ comes from their high frequencies.
 * Because the DCT is orthonormal, for i.i.d. Gaussian noise the two groups are
 * independent, so choosing blocks by the low group does not bias the noise in
 * the high group; and high DCT frequencies leak far less of an image's texture
 * than the finest Haar band (σ̂ = median|HH|/0.6745, Donoho & Johnstone 1994),
 * which overestimated σ = 5 by 15–75 % on Set12 and McMaster images.
 *
 * Blocks with a pixel at exactly 0 or 1 (clipped highlights and shadows)
 * are left out while enough others remain.
 *
 * Colour: the noise is estimated on the orthonormal opponent planes that
 * colour.ts restores (i.i.d. noise of σ per RGB channel is i.i.d. with the
 * same σ there), pooling the blocks of all three planes; the chroma planes
 * are smoother than luminance, so many of the flattest blocks come from them.
 *
 * Signal-dependent (Poisson–Gaussian) camera noise, var(z) = a·x + b: the
 * same blocks, grouped by their mean intensity, give one noise variance per
 * intensity level from each level's flattest blocks, and a robust weighted
 * line fit through those gives a and b (the level-set idea of A. Foi,
 * M. Trimeche, V. Katkovnik, K. Egiazarian, "Practical Poissonian-Gaussian
 * noise modeling and fitting for single-image raw-data", IEEE TIP 17(10), 2008).
 */
import { GncError } from '../util/errors.js';
import { opponentPlanes, toPlanes } from './colour.js';
import type { RasterImage } from './types.js';

const B = 8;
/** Rec. 601 luma weights (the Haar fallback for images under 8×8). */
const LUMA = [0.299, 0.587, 0.114] as const;
const LUMA_NOISE_GAIN = Math.sqrt(LUMA[0] ** 2 + LUMA[1] ** 2 + LUMA[2] ** 2);
/** median(|X|) for X ~ N(0, 1). */
const MAD_GAUSSIAN = 0.6744897501960817;
/** Share of blocks (the flattest) that the Gaussian estimate uses, and the least number of blocks it uses. */
const KEEP_FRACTION = 0.05;
const MIN_BLOCKS = 24;
/** The trimmed mean of squares drops the largest 5 % of |c|; for N(0, 1), E[c² | |c| ≤ 1.96] = 0.7593. */
const TRIM = 0.95;
const TRIMMED_SECOND_MOMENT = 0.759332;
/** At most this many blocks are scanned: larger photos are sampled on a coarser grid of blocks. */
const MAX_BLOCKS = 400_000;

const DCT = (() => {
  const c = new Float64Array(B * B);
  for (let u = 0; u < B; u++) for (let x = 0; x < B; x++) c[u * B + x] = Math.sqrt((u === 0 ? 1 : 2) / B) * Math.cos(((2 * x + 1) * u * Math.PI) / (2 * B));
  return c;
})();
const LOW: number[] = [];
const HIGH: number[] = [];
for (let v = 0; v < B; v++) {
  for (let u = 0; u < B; u++) {
    if (u + v >= 7) HIGH.push(v * B + u);
    else if (u + v >= 1 && u + v <= 3) LOW.push(v * B + u);
  }
}

/** One 8×8 block's orthonormal 2-D DCT (coefficient (u, v) at v·8 + u). */
function blockDct(plane: Float32Array, width: number, x0: number, y0: number, tmp: Float64Array, out: Float64Array): void {
  for (let y = 0; y < B; y++) {
    const row = (y0 + y) * width + x0;
    for (let u = 0; u < B; u++) {
      let s = 0;
      for (let x = 0; x < B; x++) s += DCT[u * B + x]! * plane[row + x]!;
      tmp[y * B + u] = s;
    }
  }
  for (let v = 0; v < B; v++) {
    for (let u = 0; u < B; u++) {
      let s = 0;
      for (let y = 0; y < B; y++) s += DCT[v * B + y]! * tmp[y * B + u]!;
      out[v * B + u] = s;
    }
  }
}

interface Blocks {
  planes: Float32Array[];
  width: number;
  plane: Uint8Array;
  x: Int32Array;
  y: Int32Array;
  /** Low-frequency energy: texture. */
  score: Float64Array;
  /** Mean intensity of the block. */
  mean: Float64Array;
  /** 1 where the block holds a pixel at exactly 0 or 1 in some channel: clipped, so its noise is not the image's. */
  clipped: Uint8Array;
}

/**
 * Pixels with a channel at exactly 0 or 1: where a camera or an integer file
 * clipped the noise. Saturated highlights are perfectly flat, so without this
 * they would be the "flattest" blocks and pull σ towards 0.
 */
function clippedPixels(image: RasterImage): Uint8Array {
  const { width, height, channels, data } = image;
  const out = new Uint8Array(width * height);
  for (let p = 0, i = 0; p < out.length; p++, i += channels) {
    for (let c = 0; c < channels; c++) {
      const v = data[i + c]!;
      if (v === 0 || v === 1) {
        out[p] = 1;
        break;
      }
    }
  }
  return out;
}

/** Every 8×8 block on a grid of non-overlapping blocks (a sparser grid of them for very large images). */
function scanBlocks(planes: Float32Array[], width: number, height: number, clipped: Uint8Array): Blocks {
  const bx = Math.floor(width / B), by = Math.floor(height / B);
  const all = bx * by * planes.length;
  const skip = Math.max(1, Math.ceil(Math.sqrt(all / MAX_BLOCKS)));
  const nx = Math.ceil(bx / skip), ny = Math.ceil(by / skip);
  const n = nx * ny * planes.length;
  const blocks: Blocks = { planes, width, plane: new Uint8Array(n), x: new Int32Array(n), y: new Int32Array(n), score: new Float64Array(n), mean: new Float64Array(n), clipped: new Uint8Array(n) };
  const tmp = new Float64Array(B * B), co = new Float64Array(B * B);
  let k = 0;
  planes.forEach((plane, p) => {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const x = i * skip * B, y = j * skip * B;
        blockDct(plane, width, x, y, tmp, co);
        let score = 0;
        for (const c of LOW) score += co[c]! ** 2;
        blocks.plane[k] = p;
        blocks.x[k] = x;
        blocks.y[k] = y;
        blocks.score[k] = score;
        blocks.mean[k] = co[0]! / B;
        outer: for (let yy = y; yy < y + B; yy++) {
          for (let xx = x; xx < x + B; xx++) {
            if (clipped[yy * width + xx]) {
              blocks.clipped[k] = 1;
              break outer;
            }
          }
        }
        k++;
      }
    }
  });
  return blocks;
}

/** σ from the high DCT frequencies of the chosen blocks: the trimmed root mean square, corrected for the trimming. */
function highFrequencySigma(blocks: Blocks, chosen: ArrayLike<number>): number {
  const tmp = new Float64Array(B * B), co = new Float64Array(B * B);
  const values = new Float64Array(chosen.length * HIGH.length);
  let k = 0;
  for (let i = 0; i < chosen.length; i++) {
    const b = chosen[i]!;
    blockDct(blocks.planes[blocks.plane[b]!]!, blocks.width, blocks.x[b]!, blocks.y[b]!, tmp, co);
    for (const c of HIGH) values[k++] = co[c]! ** 2;
  }
  values.sort();
  const kept = Math.max(1, Math.floor(values.length * TRIM));
  let sum = 0;
  for (let i = 0; i < kept; i++) sum += values[i]!;
  return Math.sqrt(sum / kept / TRIMMED_SECOND_MOMENT);
}

/** Blocks without clipped pixels, unless fewer than `least` of them (or a quarter of all) are left. */
function unclipped(blocks: Blocks, least: number): Int32Array {
  const ids: number[] = [];
  for (let i = 0; i < blocks.clipped.length; i++) if (!blocks.clipped[i]) ids.push(i);
  if (ids.length < Math.max(least, blocks.clipped.length / 4)) return Int32Array.from({ length: blocks.clipped.length }, (_, i) => i);
  return Int32Array.from(ids);
}

/** Indices of `subset` (or all blocks) ordered by increasing texture, the first `count`. */
function flattest(blocks: Blocks, count: number, subset?: Int32Array): Int32Array {
  const ids = subset ? Array.from(subset) : Array.from({ length: blocks.score.length }, (_, i) => i);
  ids.sort((a, b) => blocks.score[a]! - blocks.score[b]!);
  return Int32Array.from(ids.slice(0, count));
}

/** Donoho–Johnstone on the finest Haar diagonal band: the fallback for images under 8×8 pixels. */
function haarMadSigma(image: RasterImage): number {
  const { width, height, channels, data } = image;
  const bw = Math.floor(width / 2), bh = Math.floor(height / 2);
  const luma = (x: number, y: number): number => {
    const i = (y * width + x) * channels;
    return channels === 1 ? data[i]! : LUMA[0] * data[i]! + LUMA[1] * data[i + 1]! + LUMA[2] * data[i + 2]!;
  };
  const hh = new Float64Array(bw * bh);
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      const x = 2 * bx, y = 2 * by;
      hh[by * bw + bx] = Math.abs(luma(x, y) - luma(x + 1, y) - luma(x, y + 1) + luma(x + 1, y + 1)) / 2;
    }
  }
  hh.sort();
  const n = hh.length;
  const median = n % 2 === 1 ? hh[(n - 1) / 2]! : (hh[n / 2 - 1]! + hh[n / 2]!) / 2;
  return median / MAD_GAUSSIAN / (channels === 1 ? 1 : LUMA_NOISE_GAIN);
}

function checkImage(image: RasterImage, what: string, least: number): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < least || height < least) {
    throw new GncError('invalid-argument', `${what} needs an image of at least ${least}×${least} pixels, not ${width}×${height}`);
  }
  if (data.length !== width * height * channels) {
    throw new GncError('invalid-argument', `${what}: expected ${width}×${height}×${channels} = ${width * height * channels} pixel values, got ${data.length}`);
  }
}

/**
 * The Gaussian noise standard deviation of `image` (per channel for RGB), on
 * the 0–255 scale. Images under 8×8 pixels fall back to the Haar median
 * estimate; at least 2×2 pixels are needed.
 */
export function estimateNoiseSigma(image: RasterImage): number {
  checkImage(image, 'Noise estimation', 2);
  if (image.width < B || image.height < B) return haarMadSigma(image) * 255;
  const planes = image.channels === 1 ? [image.data] : opponentPlanes(image.data);
  const blocks = scanBlocks(planes, image.width, image.height, clippedPixels(image));
  const usable = unclipped(blocks, MIN_BLOCKS);
  const n = usable.length;
  const count = Math.min(n, Math.max(MIN_BLOCKS, Math.ceil(KEEP_FRACTION * n)));
  return highFrequencySigma(blocks, flattest(blocks, count, usable)) * 255;
}

/** Poisson–Gaussian noise on the [0, 1] scale: var(z | x) = a·x + b. */
export interface PoissonGaussianParams {
  /** Gain: the variance per unit of intensity (≥ 0). */
  a: number;
  /** Signal-independent variance (may be slightly negative for a camera's pedestal). */
  b: number;
}

export interface PoissonGaussianEstimate extends PoissonGaussianParams {
  /** The intensity levels the line was fitted through: mean intensity, noise variance, blocks used. */
  levels: Array<{ mean: number; variance: number; blocks: number }>;
}

/** Intensity levels (equal-count bins of block means) and the share of each level's flattest blocks used. */
const LEVELS = 12;
const LEVEL_KEEP = 0.1;
const MIN_LEVEL_BLOCKS = 6;

/**
 * Estimates a and b of var(z) = a·x + b from `image` (values on [0, 1]) by
 * fitting a line through per-intensity noise variances (see the header).
 * Colour images are fitted on the R, G, B planes together: the sensor's gain
 * is one, but each channel's intensity differs, so the opponent planes would
 * mix levels. Needs at least 32×32 pixels.
 */
export function estimatePoissonGaussian(image: RasterImage): PoissonGaussianEstimate {
  checkImage(image, 'Poisson–Gaussian noise estimation', 32);
  const planes = image.channels === 1 ? [image.data] : toPlanes(image);
  const blocks = scanBlocks(planes, image.width, image.height, clippedPixels(image));
  const usable = unclipped(blocks, LEVELS * MIN_LEVEL_BLOCKS);
  const n = usable.length;
  const byMean = Array.from(usable).sort((p, q) => blocks.mean[p]! - blocks.mean[q]!);
  const levels: PoissonGaussianEstimate['levels'] = [];
  const bins = Math.max(2, Math.min(LEVELS, Math.floor(n / (MIN_LEVEL_BLOCKS / LEVEL_KEEP))));
  for (let l = 0; l < bins; l++) {
    const bin = Int32Array.from(byMean.slice(Math.floor((l * n) / bins), Math.floor(((l + 1) * n) / bins)));
    const chosen = flattest(blocks, Math.min(bin.length, Math.max(MIN_LEVEL_BLOCKS, Math.ceil(LEVEL_KEEP * bin.length))), bin);
    if (chosen.length === 0) continue;
    let mean = 0;
    for (const b of chosen) mean += blocks.mean[b]!;
    levels.push({ mean: mean / chosen.length, variance: highFrequencySigma(blocks, chosen) ** 2, blocks: chosen.length });
  }
  // Levels within 2 noise std of 0 or 1 lose variance to clipping wherever the
  // file clipped; fit without them while at least 3 levels remain.
  const inside = levels.filter((l) => l.mean - 2 * Math.sqrt(l.variance) > 0 && l.mean + 2 * Math.sqrt(l.variance) < 1);
  const fitted = inside.length >= 3 && anyClipped(blocks) ? inside : levels;
  return { ...fitNoiseLine(fitted), levels: fitted };
}

function anyClipped(blocks: Blocks): boolean {
  return blocks.clipped.some((c) => c === 1);
}

/**
 * Weighted least squares of variance = a·mean + b. The variance of a variance
 * estimated from m values is about 2v²/m, hence weights m/v², refitted with
 * the fitted v. Texture only adds variance, so the level furthest above the
 * line (more than 3 standard errors) is dropped and the line refitted, while
 * more than half the levels remain.
 */
export function fitNoiseLine(levels: ReadonlyArray<{ mean: number; variance: number; blocks: number }>): PoissonGaussianParams {
  if (levels.length < 2) throw new GncError('invalid-argument', `Fitting a noise line needs at least 2 intensity levels, got ${levels.length}`);
  const floor = Math.max(1e-12, Math.min(...levels.map((p) => p.variance)) * 0.1);
  type Level = (typeof levels)[number];
  const fit = (points: Level[], weightOf: (p: Level) => number): PoissonGaussianParams => {
    let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const p of points) {
      const w = weightOf(p);
      sw += w; sx += w * p.mean; sy += w * p.variance; sxx += w * p.mean * p.mean; sxy += w * p.mean * p.variance;
    }
    const det = sw * sxx - sx * sx;
    if (!(Math.abs(det) > 1e-12 * sw * sxx)) return { a: 0, b: sy / sw };
    return { a: (sw * sxy - sx * sy) / det, b: (sxx * sy - sx * sxy) / det };
  };
  const predicted = (line: PoissonGaussianParams, x: number) => Math.max(floor, line.a * x + line.b);
  const fitted = (points: Level[]): PoissonGaussianParams => {
    let line = fit(points, (p) => p.blocks / Math.max(floor, p.variance) ** 2);
    for (let pass = 0; pass < 2; pass++) {
      const current = line;
      line = fit(points, (p) => p.blocks / predicted(current, p.mean) ** 2);
    }
    return line;
  };
  let points = [...levels];
  let line = fitted(points);
  while (points.length > Math.max(2, Math.ceil(levels.length / 2))) {
    const excess = points.map((p) => (p.variance - predicted(line, p.mean)) / (predicted(line, p.mean) * Math.sqrt(2 / (p.blocks * HIGH.length))));
    const worst = excess.indexOf(Math.max(...excess));
    if (!(excess[worst]! > 3)) break;
    points = points.filter((_, i) => i !== worst);
    line = fitted(points);
  }
  // A negative gain is noise in the fit of a signal-independent case.
  if (line.a < 0) {
    let sw = 0, sy = 0;
    for (const p of points) {
      const w = p.blocks / Math.max(floor, p.variance) ** 2;
      sw += w; sy += w * p.variance;
    }
    return { a: 0, b: sy / sw };
  }
  return line;
}
