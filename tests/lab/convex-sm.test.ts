import { describe, expect, it } from 'vitest';
import { buildConvexScoreProgram, solveConvexScore, zeroThreshold } from '../../src/lab/convex-sm.js';
import { meanAndVariance } from '../../src/lab/dense.js';
import { coordinateDescent, kktResidual, objective } from '../../src/lab/l1-qp.js';
import { reluLinearRegime } from '../../src/lab/sm-regimes.js';
import { labSamples } from '../../src/lab/convex-experiment.js';
import { randomNet, trainAdam, trainingLoss, type Activation, type ScoreTrainingSet } from '../../src/lab/two-layer.js';
import { GncError } from '../../src/util/errors.js';
import { Prng } from '../../src/util/random.js';

const rng = new Prng(21);
const n = 40;
const x = Float64Array.from({ length: n }, () => rng.gaussian());
const eps = Float64Array.from({ length: n }, () => rng.gaussian());
const SIGMA = 0.5;
const SM: ScoreTrainingSet = { kind: 'sm', x };
const DSM: ScoreTrainingSet = { kind: 'dsm', x: x.map((v, i) => v + SIGMA * eps[i]!), y: eps.map((e) => -e / SIGMA) };
const { mean, variance } = meanAndVariance(x);
const lo = Math.min(...x);
const hi = Math.max(...x);
const insideGrid = Array.from({ length: 101 }, (_, i) => lo + ((hi - lo) * i) / 100);

const CASES: Array<{ data: ScoreTrainingSet; activation: Activation; skip: boolean; beta: number }> = [
  { data: SM, activation: 'relu', skip: false, beta: 0.1 },
  { data: SM, activation: 'relu', skip: true, beta: 0.05 },
  { data: SM, activation: 'abs', skip: false, beta: 0.1 },
  { data: SM, activation: 'relu', skip: false, beta: 1.5 / n }, // close to the smallest admissible β = 1/n
  { data: DSM, activation: 'relu', skip: false, beta: 0.01 },
  { data: DSM, activation: 'abs', skip: true, beta: 0.01 },
];

const label = (c: (typeof CASES)[number]) => `${c.data.kind} ${c.activation}${c.skip ? '+skip' : ''} β=${c.beta.toPrecision(3)}`;

describe('score matching of a two-layer network as a convex program (method.md §6)', () => {
  for (const c of CASES) {
    it(`is solved to a KKT residual below 1e-8, and the rebuilt network has the optimal loss (${label(c)})`, () => {
      const sol = solveConvexScore(buildConvexScoreProgram(c.data, c));
      expect(sol.kktResidual).toBeLessThan(1e-8);
      expect(kktResidual(sol.program.qp, sol.z)).toBe(sol.kktResidual);
      const netLoss = trainingLoss(sol.net, c.data, c.beta);
      expect(Math.abs(netLoss - sol.objective)).toBeLessThan(1e-8 * (1 + Math.abs(sol.objective)));
    });
  }

  it('agrees with coordinate descent, which can only approach the optimum from above', () => {
    const c = CASES[0]!;
    const program = buildConvexScoreProgram(c.data, c);
    const exact = solveConvexScore(program).objective;
    const after = (sweeps: number) => objective(program.qp, coordinateDescent(program.qp, sweeps));
    const f1 = after(200);
    const f2 = after(5000);
    expect(f1).toBeGreaterThanOrEqual(exact - 1e-12);
    expect(f2).toBeGreaterThanOrEqual(exact - 1e-12);
    expect(f2 - exact).toBeLessThan(1e-6);
  });

  it('reaches a lower training loss than every Adam-trained network of the same kind', () => {
    for (const c of CASES.filter((k) => k.beta > 2 / n)) {
      const sol = solveConvexScore(buildConvexScoreProgram(c.data, c));
      for (let k = 0; k < 3; k++) {
        const start = randomNet(c.activation, 12, c.skip, [lo, hi], new Prng(100 + k));
        const { losses } = trainAdam(start, c.data, c.beta, { steps: 400, learningRate: 0.01 });
        // Every iterate, not only the last, is a network; none may beat the global optimum.
        expect(Math.min(...losses), label(c)).toBeGreaterThanOrEqual(sol.objective - 1e-9);
      }
    }
  });

  it('uses no hidden unit at and above the threshold β₀, and some just below it', () => {
    for (const c of CASES.slice(0, 3)) {
      const b0 = zeroThreshold(buildConvexScoreProgram(c.data, c));
      expect(solveConvexScore(buildConvexScoreProgram(c.data, { ...c, beta: b0 * 1.0001 })).net.a.length).toBe(0);
      expect(solveConvexScore(buildConvexScoreProgram(c.data, { ...c, beta: b0 * 0.99 })).net.a.length).toBeGreaterThan(0);
    }
    // For ReLU SM without skip the ramp below every sample has derivative sums n and n − 1: β₀ = (n − ½)/n + ½/n = 1.
    expect(zeroThreshold(buildConvexScoreProgram(SM, { activation: 'relu', beta: 0.5 }))).toBeCloseTo(1, 12);
  });

  it('with a skip connection and large β predicts exactly the Gaussian score −(x − x̄)/v everywhere', () => {
    const b0 = zeroThreshold(buildConvexScoreProgram(SM, { activation: 'relu', beta: 0.5, skip: true }));
    const sol = solveConvexScore(buildConvexScoreProgram(SM, { activation: 'relu', beta: 2 * b0, skip: true }));
    for (const t of [lo - 3, ...insideGrid, hi + 3]) expect(Math.abs(sol.score(t) + (t - mean) / variance)).toBeLessThan(1e-10);
  });

  it('without skip, for β in [β_low, 1), predicts the shrunk Gaussian score −(1 − β)(x − x̄)/v on the data', () => {
    const regime = reluLinearRegime(x);
    expect(regime.betaLow).toBeGreaterThan(1 / n);
    expect(regime.betaHigh).toBe(1);
    const maxError = (beta: number) => {
      const sol = solveConvexScore(buildConvexScoreProgram(SM, { activation: 'relu', beta }));
      return Math.max(...insideGrid.map((t) => Math.abs(sol.score(t) + ((1 - beta) * (t - mean)) / variance)));
    };
    for (const beta of [regime.betaLow * 1.001, (regime.betaLow + 1) / 2, 0.999]) expect(maxError(beta)).toBeLessThan(1e-10);
    // The regime's lower end is sharp: just below it the optimum is no longer linear on the data.
    expect(maxError(regime.betaLow * 0.98)).toBeGreaterThan(1e-3);
  });

  it('recovers a well-separated two-component mixture for small β: modes in each cluster, a valley between', () => {
    const xs = labSamples('mixture', 100, new Prng(1));
    const sol = solveConvexScore(buildConvexScoreProgram({ kind: 'sm', x: xs }, { activation: 'relu', beta: 0.05 }));
    const grid = Array.from({ length: 2001 }, (_, i) => -5 + i / 200);
    // Modes of p ∝ exp(∫ s) are where s falls through 0, valleys where it rises through 0.
    const modes: number[] = [];
    const valleys: number[] = [];
    for (let i = 1; i < grid.length; i++) {
      const a = sol.score(grid[i - 1]!);
      const b = sol.score(grid[i]!);
      if (a > 0 && b <= 0) modes.push(grid[i]!);
      if (a < 0 && b >= 0) valleys.push(grid[i]!);
    }
    const left = xs.filter((v) => v < 0);
    const right = xs.filter((v) => v > 0);
    expect(modes).toHaveLength(2);
    expect(valleys).toHaveLength(1);
    expect(modes[0]!).toBeGreaterThan(Math.min(...left));
    expect(modes[0]!).toBeLessThan(Math.max(...left));
    expect(modes[1]!).toBeGreaterThan(Math.min(...right));
    expect(modes[1]!).toBeLessThan(Math.max(...right));
    expect(valleys[0]!).toBeGreaterThan(modes[0]!);
    expect(valleys[0]!).toBeLessThan(modes[1]!);
  });

  it('rejects β ≤ 0, and β ≤ 1/n for score matching (unbounded below)', () => {
    expect(() => buildConvexScoreProgram(SM, { activation: 'relu', beta: 0 })).toThrow(GncError);
    expect(() => buildConvexScoreProgram(SM, { activation: 'relu', beta: 1 / n })).toThrow(/needs a weight decay β > 1\/n/);
    expect(() => buildConvexScoreProgram(DSM, { activation: 'relu', beta: 1 / (2 * n) })).not.toThrow();
  });

  it('reports unboundedness the β check cannot see (|·| with skip needs β ≥ 2/n)', () => {
    // |x − x₍₁₎| is linear on the data: with the skip and bias it spans a null direction whose
    // linear term (n − 1)/n − 1 = −1/n beats the reduced penalty β − 1/n unless β ≥ 2/n.
    const program = buildConvexScoreProgram(SM, { activation: 'abs', skip: true, beta: 1.5 / n });
    expect(() => solveConvexScore(program)).toThrow(/unbounded below/);
  });
});
