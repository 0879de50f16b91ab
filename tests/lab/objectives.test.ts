import { describe, expect, it } from 'vitest';
import {
  denoisingScoreMatching,
  gaussHermiteNoise,
  gaussianNoise,
  implicitScoreMatching,
  linearScoreModel,
  ncsnLoss,
  noiseConditionalGaussian,
  orthonormalFrames,
  randomUnitProjections,
  slicedScoreMatching,
  type Samples,
} from '../../src/lab/objectives.js';
import { meanAndVariance } from '../../src/lab/dense.js';
import { minimiseBfgs } from '../../src/lab/minimise.js';
import { Prng } from '../../src/util/random.js';

const rng = new Prng(31);
const n = 400;
const one: Samples = { dim: 1, values: Float64Array.from({ length: n }, () => 1.5 + 0.7 * rng.gaussian()) };
const { mean, variance } = meanAndVariance(one.values);

// A correlated 2-D Gaussian sample, with its 1/n mean and covariance.
const two: Samples = {
  dim: 2,
  values: (() => {
    const v = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const a = rng.gaussian();
      const b = rng.gaussian();
      v[2 * i] = -1 + 1.2 * a;
      v[2 * i + 1] = 2 + 0.5 * a + 0.4 * b;
    }
    return v;
  })(),
};
const mean2 = [0, 1].map((k) => two.values.filter((_, i) => i % 2 === k).reduce((s, v) => s + v, 0) / n);
const cov2 = [0, 1].map((a) =>
  [0, 1].map((b) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (two.values[2 * i + a]! - mean2[a]!) * (two.values[2 * i + b]! - mean2[b]!);
    return s / n;
  }),
);

const lin1 = linearScoreModel(1);
const lin2 = linearScoreModel(2);
/** Mean P⁻¹h and covariance P⁻¹ of the linear score h − P x (2-D). */
function gaussianOf2(theta: Float64Array) {
  const [p11, p12, p22] = [theta[2]!, theta[3]!, theta[4]!];
  const det = p11 * p22 - p12 * p12;
  const cov = [
    [p22 / det, -p12 / det],
    [-p12 / det, p11 / det],
  ];
  return { mean: [cov[0]![0]! * theta[0]! + cov[0]![1]! * theta[1]!, cov[1]![0]! * theta[0]! + cov[1]![1]! * theta[1]!], cov };
}

describe('score-matching objectives on Gaussians with known optima', () => {
  it('implicit SM recovers the 1-D sample mean and (1/n) variance', () => {
    const r = minimiseBfgs((t) => implicitScoreMatching(lin1, t, one), [0, 1]);
    // θ = (h, p): mean h/p, variance 1/p.
    expect(r.theta[0]! / r.theta[1]!).toBeCloseTo(mean, 7);
    expect(1 / r.theta[1]!).toBeCloseTo(variance, 7);
  });

  it('implicit SM recovers the 2-D sample mean and covariance', () => {
    const r = minimiseBfgs((t) => implicitScoreMatching(lin2, t, two), [0, 0, 1, 0, 1]);
    const g = gaussianOf2(r.theta);
    for (let a = 0; a < 2; a++) {
      expect(g.mean[a]!).toBeCloseTo(mean2[a]!, 7);
      for (let b = 0; b < 2; b++) expect(g.cov[a]![b]!).toBeCloseTo(cov2[a]![b]!, 7);
    }
  });

  it('sliced SM with an orthonormal frame per sample is exactly ISM/d, so it has the same optimum', () => {
    const frames = orthonormalFrames(n, 2, new Prng(4));
    for (const theta of [Float64Array.of(0.3, -0.2, 1.1, 0.4, 2), Float64Array.of(-1, 2, 0.5, -0.1, 0.7)]) {
      expect(slicedScoreMatching(lin2, theta, two, frames)).toBeCloseTo(implicitScoreMatching(lin2, theta, two) / 2, 12);
    }
    const r = minimiseBfgs((t) => slicedScoreMatching(lin2, t, two, frames), [0, 0, 1, 0, 1]);
    const g = gaussianOf2(r.theta);
    for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) expect(g.cov[a]![b]!).toBeCloseTo(cov2[a]![b]!, 7);
  });

  it('sliced SM with random unit directions is an unbiased estimate of ISM/d', () => {
    const theta = Float64Array.of(0.3, -0.2, 1.1, 0.4, 2);
    const m = 50;
    const proj = randomUnitProjections(n, m, 2, new Prng(6));
    // Per-sample terms give the estimator's standard error.
    const terms = Array.from({ length: n }, (_, i) =>
      slicedScoreMatching(lin2, theta, { dim: 2, values: two.values.subarray(2 * i, 2 * i + 2) }, proj.subarray(i * m * 2, (i + 1) * m * 2)),
    );
    const est = terms.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(terms.reduce((s, v) => s + (v - est) ** 2, 0) / (n - 1));
    expect(est).toBeCloseTo(slicedScoreMatching(lin2, theta, two, proj), 12);
    expect(Math.abs(est - implicitScoreMatching(lin2, theta, two) / 2)).toBeLessThan(4 * (sd / Math.sqrt(n)));
  });

  it('sliced SM in 1-D is ISM (v = ±1)', () => {
    const proj = randomUnitProjections(n, 3, 1, new Prng(7));
    const theta = Float64Array.of(0.5, 1.7);
    expect(slicedScoreMatching(lin1, theta, one, proj)).toBeCloseTo(implicitScoreMatching(lin1, theta, one), 12);
  });

  it('denoising SM at σ recovers the smoothed variance v + σ² (exact noise expectation by Gauss–Hermite)', () => {
    const sigma = 0.4;
    const r = minimiseBfgs((t) => denoisingScoreMatching(lin1, t, one, sigma, gaussHermiteNoise(n)), [0, 1]);
    expect(r.theta[0]! / r.theta[1]!).toBeCloseTo(mean, 7);
    expect(1 / r.theta[1]!).toBeCloseTo(variance + sigma * sigma, 7);
  });

  it('denoising SM with Monte Carlo noise has the least-squares optimum of its draws', () => {
    // For s = h − p x̃ the DSM loss is least squares of −z/σ on x̃: closed form from the draws themselves.
    const sigma = 0.4;
    const noise = gaussianNoise(n, 5, 1, new Prng(9));
    const xt: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 5; k++) {
        const z = noise.z[i * 5 + k]!;
        xt.push(one.values[i]! + sigma * z);
        y.push(-z / sigma);
      }
    }
    const mx = xt.reduce((s, v) => s + v, 0) / xt.length;
    const my = y.reduce((s, v) => s + v, 0) / y.length;
    let sxy = 0;
    let sxx = 0;
    xt.forEach((v, i) => {
      sxy += (v - mx) * (y[i]! - my);
      sxx += (v - mx) ** 2;
    });
    const p = -sxy / sxx;
    const h = my + p * mx;
    const r = minimiseBfgs((t) => denoisingScoreMatching(lin1, t, one, sigma, noise), [0, 1]);
    expect(r.theta[1]!).toBeCloseTo(p, 7);
    expect(r.theta[0]!).toBeCloseTo(h, 7);
  });

  it("NCSN's σ²-weighted multi-level loss recovers the unsmoothed mean and variance with a shared noise-conditional model", () => {
    const sigmas = [1, 0.5, 0.25, 0.1];
    const noise = sigmas.map(() => gaussHermiteNoise(n));
    const r = minimiseBfgs((t) => ncsnLoss(noiseConditionalGaussian, t, one, sigmas, noise), [0, 0]);
    // Every level's DSM term is minimised by v + σ_l² = v̂ + σ_l², so all agree on v = v̂.
    expect(r.theta[0]!).toBeCloseTo(mean, 6);
    expect(Math.exp(r.theta[1]!)).toBeCloseTo(variance, 6);
  });
});
