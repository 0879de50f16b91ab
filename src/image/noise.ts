/**
 * Seeded randomness for reproducible experiments: the same seed gives the same
 * noisy image and the same missing-pixel mask on every machine, which
 * Math.random cannot promise.
 */
import { checkInteger, checkNumber } from '../util/errors.js';
import { Prng } from '../util/random.js';

export { Prng };

/**
 * data + σ·n with n ~ N(0, 1) from `seed`, as a new array: not clipped and not
 * rounded, which is the benchmark protocol (σ on the engine's [0, 1] scale, so
 * σ = 25 on the 0–255 scale is 25/255).
 */
export function addGaussianNoise(data: Float32Array, sigma: number, seed: number): Float32Array {
  checkNumber('sigma', sigma, 0, Number.MAX_VALUE);
  const rng = new Prng(seed);
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! + sigma * rng.gaussian();
  return out;
}

/**
 * The observed-pixel mask M (H*W, 1 = observed, 0 = missing) with exactly
 * round(missingFraction·H·W) missing pixels chosen uniformly at random.
 * Selection sampling (Knuth's Algorithm S) gives the exact count in one pass
 * without a permutation array, which matters for photo-sized masks.
 */
export function randomMissingMask(width: number, height: number, missingFraction: number, seed: number): Float32Array {
  checkInteger('width', width, 1, Number.MAX_SAFE_INTEGER);
  checkInteger('height', height, 1, Number.MAX_SAFE_INTEGER);
  checkNumber('missingFraction', missingFraction, 0, 1);
  const rng = new Prng(seed);
  const n = width * height;
  let needed = Math.round(missingFraction * n);
  const mask = new Float32Array(n).fill(1);
  for (let i = 0; i < n && needed > 0; i++) {
    if (rng.uniform() * (n - i) < needed) {
      mask[i] = 0;
      needed--;
    }
  }
  return mask;
}
