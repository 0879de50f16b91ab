import { describe, expect, it } from 'vitest';
import { Prng, addGaussianNoise, randomMissingMask } from '../../src/image/noise.js';
import { GncError } from '../../src/util/errors.js';

describe('Prng', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Prng(1234);
    const b = new Prng(1234);
    const c = new Prng(1235);
    const sa = Array.from({ length: 50 }, () => a.nextUint32());
    const sb = Array.from({ length: 50 }, () => b.nextUint32());
    const sc = Array.from({ length: 50 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('uses all bits of large seeds, and seed 0 works', () => {
    const first = (seed: number): number => new Prng(seed).nextUint32();
    expect(first(2 ** 40)).not.toBe(first(2 ** 41));
    expect(first(0)).not.toBe(first(2 ** 32));
    expect(Number.isInteger(first(0))).toBe(true);
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => new Prng(1.5)).toThrow(GncError);
    expect(() => new Prng(Number.NaN)).toThrow(/integer.*for seed but received NaN/);
  });

  it('uniform is in [0, 1) with mean ½ and variance 1/12', () => {
    const rng = new Prng(7);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      sq += u * u;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sq / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 3);
  });

  it('gaussian has the moments of N(0, 1)', () => {
    const rng = new Prng(2024);
    const n = 200_000;
    const m = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const z = rng.gaussian();
      m[0]! += z;
      m[1]! += z * z;
      m[2]! += z ** 3;
      m[3]! += z ** 4;
    }
    const [mean, second, third, fourth] = m.map((v) => v / n) as [number, number, number, number];
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(second - 1)).toBeLessThan(0.015);
    expect(Math.abs(third)).toBeLessThan(0.03); // skewness
    expect(Math.abs(fourth - 3)).toBeLessThan(0.08); // kurtosis
  });

  it('gaussian tail mass matches the normal distribution', () => {
    const rng = new Prng(99);
    const n = 200_000;
    let beyond2 = 0;
    for (let i = 0; i < n; i++) if (Math.abs(rng.gaussian()) > 2) beyond2++;
    expect(beyond2 / n).toBeCloseTo(0.0455, 2);
  });
});

describe('addGaussianNoise', () => {
  it('returns a new array, same seed same noise, not clipped or rounded', () => {
    const clean = new Float32Array(10_000).fill(0.02);
    const noisy = addGaussianNoise(clean, 25 / 255, 5);
    expect(noisy).not.toBe(clean);
    expect(clean.every((v) => v === 0.02 || Math.abs(v - 0.02) < 1e-9)).toBe(true);
    expect(Array.from(addGaussianNoise(clean, 25 / 255, 5))).toEqual(Array.from(noisy));
    expect(noisy.some((v) => v < 0)).toBe(true);
    expect(noisy.some((v) => Math.abs(v * 255 - Math.round(v * 255)) > 1e-3)).toBe(true);
  });

  it('has the requested σ', () => {
    const clean = new Float32Array(100_000).fill(0.5);
    const sigma = 15 / 255;
    const noisy = addGaussianNoise(clean, sigma, 11);
    let sq = 0;
    for (let i = 0; i < noisy.length; i++) sq += (noisy[i]! - 0.5) ** 2;
    expect(Math.sqrt(sq / noisy.length) / sigma).toBeCloseTo(1, 1);
  });

  it('σ = 0 copies and negative σ is refused', () => {
    const clean = Float32Array.from([0.1, 0.2]);
    expect(Array.from(addGaussianNoise(clean, 0, 1))).toEqual(Array.from(clean));
    expect(() => addGaussianNoise(clean, -0.1, 1)).toThrow(/for sigma but received -0.1/);
  });
});

describe('randomMissingMask', () => {
  it('has exactly round(fraction·N) zeros and only 0/1 values', () => {
    const mask = randomMissingMask(64, 48, 0.8, 3);
    expect(mask.length).toBe(64 * 48);
    expect(mask.every((v) => v === 0 || v === 1)).toBe(true);
    expect(mask.filter((v) => v === 0).length).toBe(Math.round(0.8 * 64 * 48));
  });

  it('is deterministic per seed and spreads missing pixels over the image', () => {
    const a = randomMissingMask(100, 100, 0.5, 8);
    expect(Array.from(randomMissingMask(100, 100, 0.5, 8))).toEqual(Array.from(a));
    expect(Array.from(randomMissingMask(100, 100, 0.5, 9))).not.toEqual(Array.from(a));
    const firstHalf = a.subarray(0, 5000).filter((v) => v === 0).length;
    expect(firstHalf).toBeGreaterThan(2300);
    expect(firstHalf).toBeLessThan(2700);
  });

  it('handles 0 and 1 and refuses fractions outside [0, 1]', () => {
    expect(randomMissingMask(5, 4, 0, 1).every((v) => v === 1)).toBe(true);
    expect(randomMissingMask(5, 4, 1, 1).every((v) => v === 0)).toBe(true);
    expect(() => randomMissingMask(5, 4, 1.2, 1)).toThrow(/between 0 and 1 for missingFraction but received 1.2/);
    expect(() => randomMissingMask(0, 4, 0.5, 1)).toThrow(GncError);
  });
});
