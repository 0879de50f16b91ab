/**
 * Annealed Langevin dynamics with the learned prior as the noise-conditional
 * score s(x, σ) = −∇ₓR(x, log σ) (method.md §5, NCSN):
 *
 *   for σ_1 > … > σ_L (geometric), α_i = ε σ_i² / σ_L², T times:
 *     x ← x + (α_i / 2) s(x, σ_i) + √α_i z,  z ~ N(0, I)
 *
 * Prior sampling draws textures from the prior. Posterior sampling adds the
 * annealed likelihood score −(x − y)/(s² + σ_i²) for denoising, or re-imposes
 * the observed pixels as M y + σ_i z for inpainting. Several chains give a
 * posterior mean and a per-pixel standard deviation (an uncertainty map).
 */
import type { Shape4 } from '../prior/conv.js';
import type { PriorField } from '../solve/tiled-prior.js';
import { checkInteger, checkNumber, GncError, throwIfAborted } from '../util/errors.js';
import { Prng } from '../util/random.js';

export type SampleTask = 'prior' | 'denoise' | 'inpaint';

export interface LangevinOptions {
  task: SampleTask;
  /** Observations y (denoise, inpaint), same layout as the samples. */
  observed?: Float32Array;
  /** 1 = observed pixel (inpaint). */
  mask?: Float32Array;
  /** Noise std of y on [0, 1] (denoise). */
  noiseSigma?: number;
  /** Geometric schedule from sigmaMax to sigmaMin (both on [0, 1]) over `levels` levels. */
  sigmaMax: number;
  sigmaMin: number;
  levels: number;
  stepsPerLevel: number;
  /** ε: the step at the last level. */
  epsilon: number;
  seed: number;
  signal?: AbortSignal;
  /** After every Langevin step. */
  onStep?: (done: number, total: number, sigma: number) => void;
}

export function geometricSigmas(sigmaMax: number, sigmaMin: number, levels: number): number[] {
  if (levels === 1) return [sigmaMin];
  const ratio = Math.pow(sigmaMin / sigmaMax, 1 / (levels - 1));
  return Array.from({ length: levels }, (_, i) => sigmaMax * Math.pow(ratio, i));
}

/** One chain; `shape.n` chains run side by side when x holds several samples. */
export function annealedLangevin(prior: PriorField, shape: Shape4, o: LangevinOptions): Float32Array {
  checkInteger('levels', o.levels, 1, 10_000);
  checkInteger('steps per level', o.stepsPerLevel, 1, 10_000);
  checkNumber('epsilon', o.epsilon, 1e-8, 1);
  checkNumber('sigma-max', o.sigmaMax, 1e-4, 10);
  checkNumber('sigma-min', o.sigmaMin, 1e-4, o.sigmaMax);
  const size = shape.n * shape.h * shape.w * shape.c;
  if (o.task !== 'prior' && o.observed?.length !== size) throw new GncError('invalid-argument', `Posterior sampling needs observations of ${size} values`);
  if (o.task === 'inpaint' && o.mask?.length !== size) throw new GncError('invalid-mask', `Inpainting needs a mask of ${size} values`);
  if (o.task === 'denoise') checkNumber('noise sigma', o.noiseSigma ?? NaN, 1e-4, 5);
  const rng = new Prng(o.seed);
  const sigmas = geometricSigmas(o.sigmaMax, o.sigmaMin, o.levels);
  const sigmaL = sigmas.at(-1)!;
  // Start: noise at the first level around the observation (or mid-grey).
  const x = new Float32Array(size);
  for (let i = 0; i < size; i++) x[i] = (o.task === 'prior' ? 0.5 : o.task === 'inpaint' && !o.mask![i] ? 0.5 : o.observed![i]!) + sigmas[0]! * rng.gaussian();
  const total = sigmas.length * o.stepsPerLevel;
  let done = 0;
  for (const sigma of sigmas) {
    const alpha = (o.epsilon * sigma * sigma) / (sigmaL * sigmaL);
    const noise = Math.sqrt(alpha);
    const t = new Array<number>(shape.n).fill(Math.log(sigma));
    const likelihood = o.task === 'denoise' ? 1 / (o.noiseSigma! * o.noiseSigma! + sigma * sigma) : 0;
    for (let k = 0; k < o.stepsPerLevel; k++) {
      throwIfAborted(o.signal, 'sampler');
      const g = prior.evaluate(x, shape, t, { gradX: true }).gradX!;
      for (let i = 0; i < size; i++) {
        let score = -g[i]!;
        if (likelihood) score -= likelihood * (x[i]! - o.observed![i]!);
        x[i] = x[i]! + 0.5 * alpha * score + noise * rng.gaussian();
      }
      if (o.task === 'inpaint') {
        for (let i = 0; i < size; i++) if (o.mask![i]) x[i] = o.observed![i]! + sigma * rng.gaussian();
      }
      done += 1;
      o.onStep?.(done, total, sigma);
    }
  }
  // The last level leaves noise of σ_L on the observed pixels; put y back exactly there.
  if (o.task === 'inpaint') for (let i = 0; i < size; i++) if (o.mask![i]) x[i] = o.observed![i]!;
  return x;
}

/** Per-pixel mean and standard deviation over samples. */
export function sampleStatistics(samples: Float32Array[]): { mean: Float32Array; std: Float32Array } {
  const n = samples.length;
  const size = samples[0]!.length;
  const mean = new Float32Array(size);
  const std = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let s = 0;
    for (const x of samples) s += x[i]!;
    const m = s / n;
    let v = 0;
    for (const x of samples) v += (x[i]! - m) ** 2;
    mean[i] = m;
    std[i] = n > 1 ? Math.sqrt(v / (n - 1)) : 0;
  }
  return { mean, std };
}
