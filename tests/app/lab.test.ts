/**
 * The Lab calls (labGnc1d, labConvex) through the validating entry point:
 * arguments outside the documented ranges are refused naming the field and
 * the range, and the plot data is sane (finite, in range, following the
 * slider it depends on).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppEngine } from '../../src/app/app-engine.js';
import type { LabConvexResult, LabGnc1dResult, LabSeries } from '../../src/app/engine-api.js';
import { tempDir } from '../helpers/fixtures.js';

const tmp = tempDir('gnc-app-lab-');
let engine: AppEngine;

beforeAll(() => {
  engine = new AppEngine({ transport: 'http', libraryPath: tmp.file('library.sqlite'), userData: tmp.file('home') });
});

afterAll(async () => {
  await engine?.close();
  tmp.cleanup();
});

const finite = (series: LabSeries[]) => series.every((s) => s.points.length > 1 && s.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));

describe('labGnc1d', () => {
  it('draws energies, trajectories of T + 1 positions and attainment rates in [0, 1]', async () => {
    const r = (await engine.call('labGnc1d', [{ sigma0: 0.5, steps: 40 }])) as LabGnc1dResult;
    expect(finite(r.energy) && finite(r.trajectories) && finite([r.attainment])).toBe(true);
    expect(r.trajectories[0]!.points).toHaveLength(41);
    // Every trajectory stays on the mixture's domain.
    expect(r.trajectories.flatMap((s) => s.points.map((p) => Math.abs(p.y))).every((y) => y <= 1.5)).toBe(true);
    expect(r.attainment.points.every((p) => p.y >= 0 && p.y <= 1)).toBe(true);
    expect(r.convexityThreshold).toBeGreaterThan(0.2);
    expect(r.convexityThreshold).toBeLessThan(0.4);
    // Starting above the convexity threshold with enough steps reaches the global minimum more often than plain descent.
    const plain = (await engine.call('labGnc1d', [{ sigma0: 0.02, steps: 40 }])) as LabGnc1dResult;
    expect(r.rate).toBeGreaterThan(plain.rate);
  });

  it('refuses settings outside the ranges, naming the field', async () => {
    await expect(engine.call('labGnc1d', [{ sigma0: 5, steps: 10 }])).rejects.toThrow(/a number between 0.02 and 2 for labGnc1d argument 1.sigma0/);
    await expect(engine.call('labGnc1d', [{ sigma0: 0.3, steps: 2.5 }])).rejects.toThrow(/an integer between 1 and 500 for labGnc1d argument 1.steps/);
    await expect(engine.call('labGnc1d', [{ sigma0: 0.3 }])).rejects.toThrow(/labGnc1d argument 1.steps/);
    await expect(engine.call('labGnc1d', [{ sigma0: 0.3, steps: 5, starts: 9 }])).rejects.toThrow(/no such field/);
  });
});

describe('labConvex', () => {
  it('puts the convex optimum at or below the Adam runs and uses the chosen Langevin step', async () => {
    const r = (await engine.call('labConvex', [{ beta: 0.5, activation: 'relu', epsilon: 0.01 }])) as LabConvexResult;
    expect(finite(r.loss) && finite(r.scores)).toBe(true);
    expect(r.convexBelowEveryAdam).toBe(true);
    expect(r.epsilon).toBe(0.01);
    expect(r.loss.map((s) => s.name)).toEqual(['convex optimum', 'Adam 1', 'Adam 2']);
    // N(0, 1) data: the sampled distribution is centred near 0 with a variance of order 1.
    expect(Math.abs(r.langevinMean)).toBeLessThan(0.5);
    expect(r.langevinVariance).toBeGreaterThan(0.2);
    expect(r.langevinVariance).toBeLessThan(5);
    const auto = (await engine.call('labConvex', [{ beta: 0.5, activation: 'abs' }])) as LabConvexResult;
    expect(auto.epsilon).toBeGreaterThan(0);
  }, 30_000);

  it('refuses settings outside the ranges, naming the field', async () => {
    await expect(engine.call('labConvex', [{ beta: 0, activation: 'relu' }])).rejects.toThrow(/labConvex argument 1.beta/);
    await expect(engine.call('labConvex', [{ beta: 1, activation: 'tanh' }])).rejects.toThrow(/one of "relu", "abs" for labConvex argument 1.activation/);
    await expect(engine.call('labConvex', [{ beta: 1, activation: 'relu', epsilon: 3 }])).rejects.toThrow(/between 0.0001 and 1 for labConvex argument 1.epsilon/);
  });
});
