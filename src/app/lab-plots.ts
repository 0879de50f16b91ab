/**
 * The Lab view's plot data (engine-api.ts LabGnc1d*, LabConvex*): the 1-D
 * experiments of src/lab, run on settings small enough to answer while a
 * slider moves (tens of milliseconds for GNC 1-D, a few hundred for the
 * convex lab), reshaped into the curves LineChart draws. `gnc lab` runs the
 * full-size versions.
 */
import { runConvexLab } from '../lab/convex-experiment.js';
import { FIGURE1_DOMAIN, FIGURE1_MIXTURE, energy } from '../lab/gaussian-mixture.js';
import { attainmentRate, attainmentSetup, convexityThreshold, gncFlow, linspace, logSchedule, type AttainmentSetup } from '../lab/gnc1d.js';
import type { LabConvexRequest, LabConvexResult, LabGnc1dRequest, LabGnc1dResult, LabSeries } from './engine-api.js';

const SIGMA_MIN = 0.01;
/** The σ of the fixed energy curves (σ₀'s own curve is added). */
const ENERGY_SIGMAS = [0.02, 0.1, 0.5];
const ATTAINMENT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500];
const TRAJECTORY_STARTS = 13;

const series = (name: string, xs: ArrayLike<number>, ys: ArrayLike<number>): LabSeries => ({
  name,
  points: Array.from(xs, (x, i) => ({ x, y: ys[i]! })),
});

// The mixture is fixed, so its threshold and the attainment setup (global minimum, basin) are found once.
let fixed: { threshold: number; setup: AttainmentSetup } | undefined;
function gncFixed() {
  fixed ??= {
    threshold: convexityThreshold(FIGURE1_MIXTURE).sigma,
    setup: attainmentSetup(FIGURE1_MIXTURE, FIGURE1_DOMAIN, { starts: 51, sigmaMin: SIGMA_MIN }),
  };
  return fixed;
}

export function labGnc1d(request: LabGnc1dRequest): LabGnc1dResult {
  const { sigma0, steps } = request;
  const { threshold, setup } = gncFixed();
  const xs = linspace(FIGURE1_DOMAIN[0], FIGURE1_DOMAIN[1], 201);
  const energyCurve = (sigma: number, name: string) => {
    const e = Array.from(xs, (x) => energy(FIGURE1_MIXTURE, x, sigma));
    const lo = Math.min(...e);
    // Shifted to a minimum of 0: the shapes are what matter, not the offsets.
    return series(name, xs, e.map((v) => v - lo));
  };
  const paths = gncFlow(FIGURE1_MIXTURE, linspace(FIGURE1_DOMAIN[0], FIGURE1_DOMAIN[1], TRAJECTORY_STARTS), logSchedule(sigma0, SIGMA_MIN, steps));
  const rates = ATTAINMENT_STEPS.map((t) => attainmentRate(setup, sigma0, t));
  return {
    sigma0,
    steps,
    energy: [...ENERGY_SIGMAS.map((s) => energyCurve(s, `σ ${s}`)), energyCurve(sigma0, `σ₀ ${sigma0}`)],
    trajectories: paths.map((p, k) => series(`start ${k + 1}`, Array.from(p, (_, i) => i), p)),
    attainment: series(`σ₀ ${sigma0}`, ATTAINMENT_STEPS, rates),
    rate: attainmentRate(setup, sigma0, steps),
    convexityThreshold: threshold,
    globalMinimum: setup.xStar,
  };
}

/** Histogram bins as points at their centres. */
const binCurve = (name: string, h: { edges: number[]; density: number[] }): LabSeries => ({
  name,
  points: h.density.map((y, i) => ({ x: (h.edges[i]! + h.edges[i + 1]!) / 2, y })),
});

export function labConvex(request: LabConvexRequest): LabConvexResult {
  const r = runConvexLab({
    beta: request.beta,
    activation: request.activation,
    seed: request.seed ?? 1,
    // Small on purpose (see the header): two Adam runs, short, few chains.
    samples: 40,
    starts: 2,
    hidden: 12,
    adamSteps: 600,
    chains: 300,
    ...(request.epsilon !== undefined ? { langevinStep: request.epsilon } : {}),
  });
  const steps = r.lossHistory.steps;
  const convex = r.langevin.convex;
  return {
    beta: r.settings.beta,
    activation: r.settings.activation,
    epsilon: convex.stepSize,
    loss: [
      series('convex optimum', steps, steps.map(() => r.convex.objective)),
      ...r.lossHistory.adam.map((losses, k) => series(`Adam ${k + 1}`, steps, losses)),
    ],
    convexLoss: r.convex.objective,
    convexBelowEveryAdam: r.convexBelowEveryAdam,
    scores: [series('convex', r.scores.x, r.scores.convex), ...r.scores.adam.map((s, k) => series(`Adam ${k + 1}`, r.scores.x, s))],
    langevin: [
      binCurve('Langevin (convex score)', convex.histogram),
      series('implied density', r.langevin.convexDensityCurve.x, r.langevin.convexDensityCurve.p),
      binCurve('data', r.langevin.dataHistogram),
    ],
    langevinMean: convex.mean,
    langevinVariance: convex.variance,
  };
}
