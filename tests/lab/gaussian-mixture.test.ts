import { describe, expect, it } from 'vitest';
import { FIGURE1_MIXTURE as MIX, checkMixture, energy, energyDerivatives, sampleMixture } from '../../src/lab/gaussian-mixture.js';
import { GncError } from '../../src/util/errors.js';
import { Prng } from '../../src/util/random.js';

const SIGMAS = [0, 0.01, 0.05, 0.3, 1];
const XS = Array.from({ length: 31 }, (_, i) => -1.5 + (3 * i) / 30);

describe('the smoothed Gaussian-mixture energy (method.md §1)', () => {
  it('has the closed-form gradient of central finite differences of E', () => {
    const h = 1e-6; // truncation h²E⁗/6 and round-off ε|E|/h both well below the tolerance
    for (const s of SIGMAS) {
      for (const x of XS) {
        const fd = (energy(MIX, x + h, s) - energy(MIX, x - h, s)) / (2 * h);
        const exact = energyDerivatives(MIX, x, s).gradient;
        expect(Math.abs(fd - exact), `σ=${s} x=${x}`).toBeLessThan(1e-6 * (1 + Math.abs(exact)));
      }
    }
  });

  it('has the closed-form second derivative of central finite differences of E′', () => {
    const h = 1e-6; // truncation h²E⁗/6 and round-off ε|E|/h both well below the tolerance
    for (const s of SIGMAS) {
      for (const x of XS) {
        const fd = (energyDerivatives(MIX, x + h, s).gradient - energyDerivatives(MIX, x - h, s).gradient) / (2 * h);
        const exact = energyDerivatives(MIX, x, s).curvature;
        expect(Math.abs(fd - exact), `σ=${s} x=${x}`).toBeLessThan(1e-6 * (1 + Math.abs(exact)));
      }
    }
  });

  it('is −log of a probability density: exp(−E(·, σ)) integrates to 1', () => {
    for (const s of [0.01, 0.3]) {
      // Trapezoidal rule on [−4, 4], far beyond the components (means within ±0.8, stds ≤ 0.08 + σ).
      const n = 80_001;
      const h = 8 / (n - 1);
      let mass = 0;
      for (let i = 0; i < n; i++) mass += (i === 0 || i === n - 1 ? 0.5 : 1) * h * Math.exp(-energy(MIX, -4 + i * h, s));
      expect(mass).toBeCloseTo(1, 9);
    }
  });

  it('stays finite far from the components (log-sum-exp)', () => {
    const far = energyDerivatives(MIX, 50, 0.01);
    expect(Number.isFinite(far.energy) && Number.isFinite(far.gradient) && Number.isFinite(far.curvature)).toBe(true);
    // Far out the widest component wins (its log-density falls slowest): E' → (x − μ₄)/(s₄² + σ²).
    expect(far.gradient).toBeCloseTo((50 - MIX.means[3]!) / (MIX.stds[3]! ** 2 + 0.01 ** 2), 6);
  });

  it('has its global minimum of E(·, 0) at the heaviest, narrowest component (x = 0)', () => {
    const xs = Array.from({ length: 20_001 }, (_, i) => -1 + i / 10_000);
    const best = xs.reduce((a, b) => (energy(MIX, b, 0) < energy(MIX, a, 0) ? b : a));
    expect(Math.abs(best)).toBeLessThan(2e-4);
  });

  it('samples with the mixture weights', () => {
    const xs = sampleMixture(MIX, 20_000, new Prng(5));
    // Share of samples near the middle component (|x| < 0.2 holds its mass to 5σ, no other component reaches it).
    const share = xs.filter((x) => Math.abs(x) < 0.2).length / xs.length;
    const w = MIX.weights[2]!;
    expect(Math.abs(share - w)).toBeLessThan(4 * Math.sqrt((w * (1 - w)) / xs.length));
  });

  it('rejects malformed mixtures', () => {
    expect(() => checkMixture({ weights: [0.5, 0.5], means: [0], stds: [1, 1] })).toThrow(GncError);
    expect(() => checkMixture({ weights: [0.5, 0.4], means: [0, 1], stds: [1, 1] })).toThrow(/summing to 1/);
    expect(() => checkMixture({ weights: [0.5, 0.5], means: [0, 1], stds: [1, 0] })).toThrow(GncError);
    expect(checkMixture(MIX)).toBe(MIX);
  });
});
