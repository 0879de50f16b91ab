import { describe, expect, it } from 'vitest';
import { buildConvexScoreProgram, solveConvexScore, zeroThreshold } from '../../src/lab/convex-sm.js';
import { meanAndVariance } from '../../src/lab/dense.js';
import { histogram, langevinSamples, sampleMoments, scoreDensityMoments, ulaGaussianVariance } from '../../src/lab/langevin.js';
import { reluLinearRegime } from '../../src/lab/sm-regimes.js';
import { Prng } from '../../src/util/random.js';

const rng = new Prng(8);
const x = Float64Array.from({ length: 50 }, () => 1 + 2 * rng.gaussian());
const { mean, variance } = meanAndVariance(x);
const lo = Math.min(...x);
const hi = Math.max(...x);

/** |a − b| within k combined standard errors. */
function within(a: number, b: number, se: number, k = 4) {
  expect(Math.abs(a - b), `${a} vs ${b} (se ${se})`).toBeLessThan(k * se);
}

describe('Langevin sampling with learned scores (method.md §5, §6)', () => {
  it('reproduces the sample mean and variance with the convex Gaussian score (ReLU + skip, large β)', () => {
    const program = buildConvexScoreProgram({ kind: 'sm', x }, { activation: 'relu', beta: 0.5, skip: true });
    const beta = 2 * zeroThreshold(program);
    const sol = solveConvexScore(buildConvexScoreProgram({ kind: 'sm', x }, { activation: 'relu', beta, skip: true }));
    const eps = 0.02 * variance;
    // Ten relaxation times v of the OU process, so the start distribution is forgotten (e^{-10}).
    const steps = Math.ceil((10 * variance) / eps);
    const samples = langevinSamples(sol.score, { chains: 4000, steps, stepSize: eps, start: [lo, hi] }, new Prng(1));
    const m = sampleMoments(samples);
    within(m.mean, mean, m.meanStdErr);
    // ULA's stationary variance is v/(1 − ε/2v), not v: derived in langevin.ts.
    within(m.variance, ulaGaussianVariance(variance, eps), m.varianceStdErr);
  });

  it('samples the density its score implies when that is not Gaussian (ReLU without skip)', () => {
    const regime = reluLinearRegime(x);
    const beta = (regime.betaLow + 1) / 2;
    const sol = solveConvexScore(buildConvexScoreProgram({ kind: 'sm', x }, { activation: 'relu', beta }));
    // Inside the data the score is −(1 − β)(x − x̄)/v; below x₍₁₎ it is constant: an exponential left tail.
    const target = scoreDensityMoments(sol.score, lo - 60 * Math.sqrt(variance), hi + 30 * Math.sqrt(variance), 200_001);
    const eps = 0.01 * variance;
    const steps = Math.ceil((10 * target.variance) / eps);
    const samples = langevinSamples(sol.score, { chains: 3000, steps, stepSize: eps, start: [lo, hi] }, new Prng(2));
    const m = sampleMoments(samples);
    within(m.mean, target.mean, m.meanStdErr);
    // The step-size bias of the variance is O(ε) relatively: allow it beside the sampling error.
    within(m.variance, target.variance, m.varianceStdErr + (eps / variance) * target.variance);
  });

  it('computes the moments of p ∝ exp(∫ s) exactly for a Gaussian score', () => {
    const r = scoreDensityMoments((t) => -(t - 0.7) / 2.5, 0.7 - 40, 0.7 + 40, 40_001);
    expect(r.mean).toBeCloseTo(0.7, 10);
    expect(r.variance).toBeCloseTo(2.5, 6);
  });

  it('bins samples into a density histogram that integrates to the share inside the range', () => {
    const samples = Float64Array.of(-2, 0.1, 0.2, 0.9, 1, 5);
    const h = histogram(samples, 0, 1, 4);
    expect(Array.from(h.counts)).toEqual([2, 0, 0, 2]);
    expect(h.density.reduce((s, d) => s + d * 0.25, 0)).toBeCloseTo(4 / 6, 14);
  });
});
