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

/** log k! : exact sum below 16, Stirling's series above (error < 1e-10). */
function logFactorial(k: number): number {
  if (k < 16) {
    let s = 0;
    for (let i = 2; i <= k; i++) s += Math.log(i);
    return s;
  }
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5);
}

/**
 * A Poisson(λ) variate: Knuth's product of uniforms for λ < 30, Hörmann's
 * transformed rejection with squeeze (PTRS, "The transformed rejection method
 * for generating Poisson random variables", 1993) above.
 */
export function poissonVariate(rng: Prng, lambda: number): number {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`Poisson mean must be finite and ≥ 0, got ${lambda}`);
  if (lambda === 0) return 0;
  if (lambda < 30) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng.uniform();
    while (p > limit) {
      k++;
      p *= rng.uniform();
    }
    return k;
  }
  const sl = Math.sqrt(lambda), ll = Math.log(lambda);
  const b = 0.931 + 2.53 * sl, a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.uniform() - 0.5, v = rng.uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -lambda + k * ll - logFactorial(k)) return k;
  }
}

/**
 * Poisson–Gaussian camera noise on the [0, 1] scale: z = a·P(x/a) + √b·n with
 * P Poisson and n ~ N(0, 1), so E z = x and var z = a·x + b. Values below 0
 * count as 0 photons. Not clipped, as addGaussianNoise.
 */
export function addPoissonGaussianNoise(data: Float32Array, a: number, b: number, seed: number): Float32Array {
  checkNumber('a', a, 0, 1);
  checkNumber('b', b, 0, 1);
  const rng = new Prng(seed);
  const sb = Math.sqrt(b);
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const x = Math.max(0, data[i]!);
    out[i] = (a > 0 ? a * poissonVariate(rng, x / a) : x) + sb * rng.gaussian();
  }
  return out;
}
