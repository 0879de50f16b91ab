import { describe, expect, it } from 'vitest';
import { annealedLangevin, geometricSigmas, sampleStatistics } from '../../src/sample/langevin.js';
import type { PriorField } from '../../src/solve/tiled-prior.js';
import type { Shape4 } from '../../src/prior/conv.js';
import { GncError } from '../../src/util/errors.js';

/** A Gaussian prior N(μ, v) per pixel: its noise-smoothed energy has ∇ₓR = (x − μ)/(v + σ²), so every answer is known. */
function gaussianPrior(mu: number, v: number): PriorField {
  return {
    tRange: { tMin: Math.log(0.01), tMax: Math.log(1) },
    evaluate(x, _shape, t, want) {
      const s2 = Math.exp(2 * t[0]!);
      return want.gradX ? { gradX: x.map((xi) => (xi - mu) / (v + s2)) } : {};
    },
  };
}

const shape: Shape4 = { n: 1, h: 40, w: 50, c: 1 };
const N = 2000;
const common = { sigmaMax: 1, sigmaMin: 0.01, levels: 12, stepsPerLevel: 30, epsilon: 1e-4 };

function moments(x: Float32Array, keep: (i: number) => boolean = () => true): { mean: number; variance: number; n: number } {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) if (keep(i)) (s += x[i]!), (n += 1);
  const mean = s / n;
  let q = 0;
  for (let i = 0; i < x.length; i++) if (keep(i)) q += (x[i]! - mean) ** 2;
  return { mean, variance: q / (n - 1), n };
}

describe('annealed Langevin dynamics', () => {
  it('geometric levels run from σ₁ to σ_L', () => {
    const s = geometricSigmas(0.5, 0.01, 5);
    expect(s[0]).toBeCloseTo(0.5, 12);
    expect(s[4]).toBeCloseTo(0.01, 12);
    expect(s[1]! / s[0]!).toBeCloseTo(s[4]! / s[3]!, 12);
  });

  it('samples a Gaussian prior with its mean and variance (+ σ_L²) within sampling error', () => {
    const mu = 0.4;
    const v = 0.03;
    const x = annealedLangevin(gaussianPrior(mu, v), shape, { task: 'prior', seed: 3, ...common });
    const m = moments(x);
    const target = v + 0.01 ** 2;
    expect(Math.abs(m.mean - mu)).toBeLessThan(4 * Math.sqrt(target / N));
    // Var of a sample variance ≈ 2σ⁴/(n−1); unadjusted Langevin adds O(α) bias, below 5 % here.
    expect(Math.abs(m.variance - target)).toBeLessThan(4 * target * Math.sqrt(2 / (N - 1)) + 0.05 * target);
  });

  it('denoising posterior: mean and variance of the Gaussian posterior', () => {
    const mu = 0.5;
    const v = 0.02;
    const s = 0.1;
    const y = new Float32Array(N).fill(0.8);
    const x = annealedLangevin(gaussianPrior(mu, v), shape, { task: 'denoise', observed: y, noiseSigma: s, seed: 5, ...common });
    // Posterior of x given y = x + s·n: mean (μ s² + y v)/(v + s²), variance v s²/(v + s²) (σ_L ≪ s).
    const postMean = (mu * s * s + 0.8 * v) / (v + s * s);
    const postVar = (v * s * s) / (v + s * s);
    const m = moments(x);
    expect(Math.abs(m.mean - postMean)).toBeLessThan(4 * Math.sqrt(postVar / N) + 0.005);
    expect(m.variance).toBeGreaterThan(0.8 * postVar);
    expect(m.variance).toBeLessThan(1.25 * postVar);
  });

  it('inpainting keeps observed pixels exactly and spreads the hidden ones; mean and std over chains', () => {
    const y = new Float32Array(N).fill(0.9);
    const mask = Float32Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const chains = [1, 2, 3].map((seed) => annealedLangevin(gaussianPrior(0.3, 0.01), shape, { task: 'inpaint', observed: y, mask, seed, ...common }));
    for (const x of chains) for (let i = 0; i < N; i += 3) expect(x[i]).toBe(y[i]);
    const { mean, std } = sampleStatistics(chains);
    const hidden = moments(std, (i) => i % 3 !== 0).mean;
    const observed = moments(std, (i) => i % 3 === 0).mean;
    expect(observed).toBe(0);
    expect(hidden).toBeGreaterThan(0.05);
    expect(moments(mean, (i) => i % 3 !== 0).mean).toBeCloseTo(0.3, 1);
  });

  it('is reproducible from its seed, and stops when cancelled', () => {
    const a = annealedLangevin(gaussianPrior(0.5, 0.01), shape, { task: 'prior', seed: 9, ...common, levels: 3, stepsPerLevel: 2 });
    const b = annealedLangevin(gaussianPrior(0.5, 0.01), shape, { task: 'prior', seed: 9, ...common, levels: 3, stepsPerLevel: 2 });
    expect(a).toEqual(b);
    const controller = new AbortController();
    expect(() =>
      annealedLangevin(gaussianPrior(0.5, 0.01), shape, { task: 'prior', seed: 9, ...common, signal: controller.signal, onStep: (done) => done === 5 && controller.abort() }),
    ).toThrow(GncError);
  });
});
