import { describe, expect, it } from 'vitest';
import { FIGURE1_DOMAIN, FIGURE1_MIXTURE as MIX, energy, energyDerivatives } from '../../src/lab/gaussian-mixture.js';
import { attainmentRate, attainmentSetup, convexityThreshold, gncFlow, logSchedule, minCurvature } from '../../src/lab/gnc1d.js';

describe('the convexity threshold σ* (method.md §1 c)', () => {
  const threshold = convexityThreshold(MIX);

  it('is where min_x E″ crosses 0: negative just below, positive above', () => {
    const s = threshold.sigma;
    expect(Math.abs(minCurvature(MIX, s).value)).toBeLessThan(1e-8);
    expect(minCurvature(MIX, s * 0.999).value).toBeLessThan(0);
    for (const above of [s * 1.001, s * 1.5, s * 3, 5]) expect(minCurvature(MIX, above).value).toBeGreaterThan(0);
  });

  it('matches a dense scan of finite differences of E on a grid', () => {
    // Independent of the closed-form E″ and of the bisection: second differences of E itself,
    // minimised over an x-grid, for every σ on a fine grid; σ* is the first σ with no negative value.
    const h = 2e-3;
    const xs = Array.from({ length: 1501 }, (_, i) => -1.5 + i * h);
    const fdMin = (s: number): number => {
      let m = Infinity;
      for (const x of xs) m = Math.min(m, (energy(MIX, x + h, s) - 2 * energy(MIX, x, s) + energy(MIX, x - h, s)) / (h * h));
      return m;
    };
    const step = 2e-4;
    let crossing = NaN;
    for (let s = 0.2; s < 0.4; s += step) {
      if (fdMin(s) >= 0) {
        crossing = s;
        break;
      }
    }
    expect(Math.abs(crossing - threshold.sigma)).toBeLessThan(2 * step);
  });

  it('is below the scale of the data domain (Theorem 2.2: σ̄ of the order of the diameter)', () => {
    expect(threshold.sigma).toBeGreaterThan(0);
    expect(threshold.sigma).toBeLessThan(FIGURE1_DOMAIN[1] - FIGURE1_DOMAIN[0]);
  });
});

describe('the GNC flow and its attainment rate (method.md §1 b)', () => {
  const setup = attainmentSetup(MIX, FIGURE1_DOMAIN, { starts: 101, sigmaMin: 0.01 });

  it('uses a logarithmic schedule from σ₀ to σ_min', () => {
    const s = logSchedule(1, 0.01, 5);
    expect(Array.from(s).map((v) => Number(v.toPrecision(12)))).toEqual([1, 10 ** -0.5, 0.1, 10 ** -1.5, 0.01].map((v) => Number(v.toPrecision(12))));
    expect(Array.from(logSchedule(0.3, 0.01, 1))).toEqual([0.3]);
  });

  it('finds the global minimum and its basin between two local maxima of E(·, σ_min)', () => {
    expect(Math.abs(setup.xStar)).toBeLessThan(1e-3);
    for (const edge of setup.basin) {
      const d = energyDerivatives(MIX, edge, setup.sigmaMin);
      expect(Math.abs(d.gradient)).toBeLessThan(1e-6 * (1 + Math.abs(d.curvature)));
      expect(d.curvature).toBeLessThan(0); // a local maximum of E
    }
    expect(setup.basin[0]).toBeLessThan(setup.xStar);
    expect(setup.basin[1]).toBeGreaterThan(setup.xStar);
  });

  it('reaches the global minimum from every start for large σ₀ and T', () => {
    expect(attainmentRate(setup, 1, 500)).toBe(1);
    expect(attainmentRate(setup, 0.5, 200)).toBe(1);
    // … and the trajectories do converge to it, not merely into its basin.
    const ends = gncFlow(MIX, setup.starts, logSchedule(1, 0.01, 500)).map((p) => p[p.length - 1]!);
    for (const e of ends) expect(Math.abs(e - setup.xStar)).toBeLessThan(1e-3);
  });

  it('is plain gradient descent for σ₀ = σ_min: only the starts already in the basin get there', () => {
    // Derived: with small steps σ_min², no trajectory crosses a local maximum, so the rate is the share of starts in the basin.
    const inside = Array.from(setup.starts).filter((x) => x > setup.basin[0] && x < setup.basin[1]).length / setup.starts.length;
    expect(attainmentRate(setup, 0.01, 500)).toBe(inside);
    expect(inside).toBeLessThan(0.5);
  });

  it('attains more with a larger σ₀ at a fixed T', () => {
    const rates = [0.01, 0.1, 0.3, 1].map((s0) => attainmentRate(setup, s0, 50));
    for (let i = 1; i < rates.length; i++) expect(rates[i]!).toBeGreaterThanOrEqual(rates[i - 1]!);
    expect(rates[0]).toBeLessThan(rates[rates.length - 1]!);
  });
});
