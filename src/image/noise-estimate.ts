/**
 * Blind estimation of additive white Gaussian noise from the image itself, so
 * the user need not know σ before denoising.
 *
 * Donoho & Johnstone's robust median estimator: σ̂ = median(|HH|) / 0.6745 on
 * the finest diagonal wavelet band (D. L. Donoho and I. M. Johnstone, "Ideal
 * spatial adaptation by wavelet shrinkage", Biometrika 81(3):425–455, 1994).
 * The orthonormal Haar HH coefficient of a 2×2 block [a b; c d] is
 * (a − b − c + d)/2; it cancels constants and linear ramps, and for i.i.d.
 * N(0, σ²) noise it is N(0, σ²), so the median of its magnitude is 0.6745·σ.
 * Edges and texture give a few large coefficients, which the median ignores.
 */
import { GncError } from '../util/errors.js';
import type { RasterImage } from './types.js';

/** Rec. 601 luma weights. */
const LUMA = [0.299, 0.587, 0.114] as const;
/**
 * For i.i.d. noise of σ in each channel, the luma noise σ is
 * σ·sqrt(0.299² + 0.587² + 0.114²) ≈ 0.668σ; dividing by this gives the
 * per-channel σ back.
 */
const LUMA_NOISE_GAIN = Math.sqrt(LUMA[0] ** 2 + LUMA[1] ** 2 + LUMA[2] ** 2);
/** median(|X|) for X ~ N(0, 1). */
const MAD_GAUSSIAN = 0.6745;

/**
 * The Gaussian noise standard deviation of `image` (per channel for RGB, luma
 * used and corrected as above), on the 0–255 scale. Needs at least one 2×2 block.
 */
export function estimateNoiseSigma(image: RasterImage): number {
  const { width, height, channels, data } = image;
  const bw = Math.floor(width / 2);
  const bh = Math.floor(height / 2);
  if (bw < 1 || bh < 1) throw new GncError('invalid-argument', `Noise estimation needs an image of at least 2×2 pixels, not ${width}×${height}`);
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
  const gain = channels === 1 ? 1 : LUMA_NOISE_GAIN;
  return (median / MAD_GAUSSIAN / gain) * 255;
}
