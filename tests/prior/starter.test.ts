import { describe, expect, it } from 'vitest';
import { binAbsolute, fitGsmWeights, gsmEnergy, gsmEnergyDz, varianceGrid } from '../../src/prior/gsm.js';
import { buildStarterPrior } from '../../src/prior/starter.js';
import { evalSpline } from '../../src/prior/spline2d.js';
import { Prng } from '../../src/util/random.js';

describe('Gaussian scale mixtures', () => {
  it('EM recovers the weights of a known two-component mixture (from binned samples)', () => {
    const rng = new Prng(5);
    const variances = Float64Array.of(0.01 ** 2, 0.1 ** 2, 0.5 ** 2);
    const samples = Float64Array.from({ length: 60_000 }, () => (rng.uniform() < 0.7 ? 0.01 : 0.5) * rng.gaussian());
    const { values, counts } = binAbsolute(samples, 3000);
    const fit = fitGsmWeights(values, variances, 400, counts);
    expect(fit.weights[0]).toBeCloseTo(0.7, 1);
    expect(fit.weights[1]).toBeLessThan(0.05);
    expect(fit.weights[2]).toBeCloseTo(0.3, 1);
  });

  it('the smoothed energy is a normalised density whose z-derivative is exact', () => {
    const g = { variances: varianceGrid(0.01, 1, 6), weights: Float64Array.of(0.3, 0.2, 0.2, 0.1, 0.1, 0.1) };
    for (const sigma of [0.02, 0.2]) {
      let mass = 0;
      const h = 1e-3;
      for (let z = -6; z <= 6; z += h) mass += Math.exp(-gsmEnergy(g, z, sigma)) * h;
      expect(mass).toBeCloseTo(1, 3);
      for (const z of [-0.4, 0.01, 0.3]) {
        const fd = (gsmEnergy(g, z + 1e-6, sigma) - gsmEnergy(g, z - 1e-6, sigma)) / 2e-6;
        expect(gsmEnergyDz(g, z, sigma)).toBeCloseTo(fd, 4);
      }
    }
  });
});

describe('starter prior', () => {
  it('its spline potentials reproduce the GSM shrinkage they were fitted to', () => {
    const rng = new Prng(9);
    const responses = [0.02, 0.2].map((scale) => Float64Array.from({ length: 20_000 }, () => scale * rng.gaussian() * (rng.uniform() < 0.5 ? 0.3 : 1.5)));
    const starter = buildStarterPrior(responses, { features: 2, zSpacing: 0.01, zMax: 1.5 });
    const grid = starter.architecture.layers[0]!.spline;
    const z = Float32Array.from({ length: 2 * 61 }, (_, i) => -0.6 + (1.2 * Math.floor(i / 2)) / 60);
    for (const sigma of [0.02, 0.1, 0.4]) {
      const fz = evalSpline(grid, starter.parameters.splines[0]!, 2, z, [Math.log(sigma)], { fz: true }).fz!;
      for (let i = 0; i < z.length; i++) {
        const exact = gsmEnergyDz(starter.mixtures[i % 2]!, z[i]!, sigma) / 49;
        // Compare the shrinkage residual σ²φ' (what a Tweedie step subtracts), in units of the coefficient.
        expect(Math.abs(sigma * sigma * (fz[i]! - exact)) * 49).toBeLessThan(0.03 * Math.max(sigma, Math.abs(z[i]!)));
      }
    }
  });
});
