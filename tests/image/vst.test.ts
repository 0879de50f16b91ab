import { describe, expect, it } from 'vitest';
import { addPoissonGaussianNoise, poissonVariate, Prng } from '../../src/image/noise.js';
import { anscombe, anscombeAlgebraicInverse, anscombeUnbiasedInverse, stabiliser } from '../../src/image/vst.js';

function meanStd(values: Float32Array | number[]): { mean: number; std: number } {
  let s = 0, s2 = 0;
  for (const v of values) { s += v; s2 += v * v; }
  const mean = s / values.length;
  return { mean, std: Math.sqrt(Math.max(0, s2 / values.length - mean * mean)) };
}

describe('Poisson variates', () => {
  for (const lambda of [0.7, 4, 29, 31, 250]) {
    it(`have mean and variance λ = ${lambda} (within 3 %)`, () => {
      const rng = new Prng(lambda * 100);
      const draws = Array.from({ length: 40_000 }, () => poissonVariate(rng, lambda));
      const { mean, std } = meanStd(draws);
      expect(Math.abs(mean - lambda) / lambda).toBeLessThan(0.03);
      expect(Math.abs(std * std - lambda) / lambda).toBeLessThan(0.05);
      expect(draws.every((k) => Number.isInteger(k) && k >= 0)).toBe(true);
    });
  }
});

describe('generalized Anscombe transform', () => {
  const models = [
    { a: 0.01, b: 0.0004 },
    { a: 0.002, b: 0.00005 },
    { a: 0.05, b: 0 },
  ];

  for (const params of models) {
    const vst = stabiliser(params);
    it(`round trip a = ${params.a}, b = ${params.b}: the algebraic inverse undoes the forward transform exactly`, () => {
      const s2 = params.b / params.a ** 2;
      for (const counts of [0, 0.5, 3, 40, 1000]) expect(anscombeAlgebraicInverse(anscombe(counts, s2), s2)).toBeCloseTo(counts, 9);
      // Scaled to the engine's range: f(0) → 0, f(1) → 1.
      const ends = vst.forward(Float32Array.from([0, 1]));
      expect(ends[0]).toBeCloseTo(0, 6);
      expect(ends[1]).toBeCloseTo(1, 6);
    });

    it(`a = ${params.a}, b = ${params.b}: the stabilised noise has unit std (engine σ) within 6 % at every level with ≥ 3 expected photons`, () => {
      const levels = [0.05, 0.2, 0.5, 0.9].filter((x) => x / params.a >= 3);
      expect(levels.length).toBeGreaterThan(1);
      for (const [i, x] of levels.entries()) {
        const z = addPoissonGaussianNoise(new Float32Array(20_000).fill(x), params.a, params.b, 40 + i);
        const { std } = meanStd(vst.forward(z));
        expect(Math.abs(std / vst.sigma - 1)).toBeLessThan(0.06);
      }
      // Without stabilisation the std differs between the levels by far more than that.
      const lo = meanStd(addPoissonGaussianNoise(new Float32Array(20_000).fill(levels[0]!), params.a, params.b, 1)).std;
      const hi = meanStd(addPoissonGaussianNoise(new Float32Array(20_000).fill(levels.at(-1)!), params.a, params.b, 2)).std;
      expect(hi / lo).toBeGreaterThan(1.3);
    });

    it(`a = ${params.a}, b = ${params.b}: the unbiased inverse of E[f(z)] gives x back within 1.5 % (the algebraic one is further off at low counts)`, () => {
      for (const [i, x] of [0.02, 0.1, 0.5].entries()) {
        const z = addPoissonGaussianNoise(new Float32Array(100_000).fill(x), params.a, params.b, 70 + i);
        const expected = meanStd(vst.forward(z)).mean;
        const back = vst.inverse(Float32Array.from([expected]))[0]!;
        expect(Math.abs(back - x) / x).toBeLessThan(0.015);
      }
      // At 2 expected photons the algebraic inverse of the mean is biased by more than 5 %.
      const x = 2 * params.a;
      const s2 = params.b / params.a ** 2;
      const z = addPoissonGaussianNoise(new Float32Array(100_000).fill(x), params.a, params.b, 99);
      const d = meanStd(Float32Array.from(z, (v) => anscombe(v / params.a, s2))).mean;
      expect(Math.abs(params.a * anscombeAlgebraicInverse(d, s2) - x) / x).toBeGreaterThan(0.05);
      expect(Math.abs(params.a * anscombeUnbiasedInverse(d, s2) - x) / x).toBeLessThan(0.05);
    });
  }

  it('is the identity with σ = √b for Gaussian noise and refuses nonsense parameters', () => {
    const vst = stabiliser({ a: 0, b: 0.0025 });
    expect(vst.sigma).toBeCloseTo(0.05, 12);
    expect(Array.from(vst.inverse(vst.forward(Float32Array.from([0.1, 0.7]))))).toEqual([Math.fround(0.1), Math.fround(0.7)]);
    expect(() => stabiliser({ a: -1, b: 0 })).toThrow(/a ≥ 0/);
    expect(() => stabiliser({ a: 0, b: 0 })).toThrow(/variance b must be > 0/);
    expect(anscombeUnbiasedInverse(0.5, 0)).toBe(0);
  });
});
