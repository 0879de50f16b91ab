/**
 * The convex-program lab of method.md §6 as one JSON-ready result plus its
 * figures: univariate samples, the exact convex optimum of (D)SM training
 * for a two-layer network, the same network trained with Adam from several
 * seeded random starts, their losses, predicted scores and Langevin samples.
 * Used by `gnc lab convex` and its tests.
 */
import { checkInteger, checkNumber } from '../util/errors.js';
import { Prng } from '../util/random.js';
import { buildConvexScoreProgram, solveConvexScore, zeroThreshold } from './convex-sm.js';
import { meanAndVariance } from './dense.js';
import { linspace } from './gnc1d.js';
import { histogram, langevinSamples, sampleMoments, scoreDensityMoments } from './langevin.js';
import { reluLinearRegime } from './sm-regimes.js';
import { histogramPlot, linePlot, paletteColour } from './svg-plot.js';
import { randomNet, score, scoreDerivative, trainAdam, type Activation, type ScoreTrainingSet, type TwoLayerScoreNet } from './two-layer.js';

export type LabData = 'gaussian' | 'mixture';

export interface ConvexLabOptions {
  beta: number;
  activation: Activation;
  objective?: 'sm' | 'dsm';
  /** DSM noise level σ. */
  sigma?: number;
  skip?: boolean;
  data?: LabData;
  samples?: number;
  seed?: number;
  /** Adam runs, each from its own seeded random start. */
  starts?: number;
  hidden?: number;
  adamSteps?: number;
  learningRate?: number;
  chains?: number;
  /**
   * Langevin step ε for every chain, instead of the one chosen from the
   * score's slope (the app's Lab shows what too large a step does).
   */
  langevinStep?: number;
}

/** Draws the training samples: N(0, 1), or ½N(−2, 0.5²) + ½N(2, 0.5²) (well separated, method.md §6). */
export function labSamples(kind: LabData, n: number, rng: Prng): Float64Array {
  return Float64Array.from({ length: n }, () => (kind === 'gaussian' ? rng.gaussian() : (rng.uniform() < 0.5 ? -2 : 2) + 0.5 * rng.gaussian()));
}

/**
 * The density p ∝ exp(∫ s) a score implies: normalisable iff s points inwards
 * far out on both sides (s > 0 far left, s < 0 far right; our scores are
 * piecewise linear, so two far points decide); then its mean and variance by
 * quadrature, which is what Langevin samples should reproduce.
 */
export function impliedDensity(
  s: (t: number) => number,
  lo: number,
  hi: number,
  variance: number,
): { normalisable: boolean; mean: number; variance: number; interval: [number, number] } {
  const far = 1e3 * (hi - lo + Math.sqrt(variance));
  if (!(s(lo - far) > 0 && s(hi + far) < 0)) return { normalisable: false, mean: NaN, variance: NaN, interval: [lo, hi] };
  // Widen the quadrature interval until the density at both ends is negligible (log-density 40 below its peak).
  let a = lo - 4 * Math.sqrt(variance);
  let b = hi + 4 * Math.sqrt(variance);
  for (let k = 0; k < 60; k++) {
    const xs = linspace(a, b, 4001);
    let logp = 0; // log p(a) − log p(a), accumulated towards b
    let peak = 0;
    for (let i = 1; i < xs.length; i++) {
      logp += 0.5 * (xs[i]! - xs[i - 1]!) * (s(xs[i - 1]!) + s(xs[i]!));
      peak = Math.max(peak, logp);
    }
    const leftOk = peak > 40;
    const rightOk = peak - logp > 40;
    if (leftOk && rightOk) break;
    const w = b - a;
    if (!leftOk) a -= w / 2;
    if (!rightOk) b += w / 2;
  }
  return { normalisable: true, ...scoreDensityMoments(s, a, b, 40_001), interval: [a, b] };
}

/** p ∝ exp(∫ s) normalised on `interval` (which holds its mass), tabulated on `range`. */
function densityCurve(s: (t: number) => number, interval: [number, number], range: [number, number]): { x: number[]; p: number[] } {
  const xs = linspace(interval[0], interval[1], 40_001);
  const logp = new Float64Array(xs.length);
  for (let i = 1; i < xs.length; i++) logp[i] = logp[i - 1]! + 0.5 * (xs[i]! - xs[i - 1]!) * (s(xs[i - 1]!) + s(xs[i]!));
  const top = Math.max(...logp);
  const h = xs[1]! - xs[0]!;
  let mass = 0;
  for (let i = 0; i < xs.length; i++) mass += (i === 0 || i === xs.length - 1 ? 0.5 : 1) * h * Math.exp(logp[i]! - top);
  const x: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < xs.length; i += 50) {
    if (xs[i]! < range[0] || xs[i]! > range[1]) continue;
    x.push(xs[i]!);
    p.push(Math.exp(logp[i]! - top) / mass);
  }
  return { x, p };
}

interface LangevinSummary {
  /** The moments Langevin samples should show (by quadrature), when the implied density is normalisable. */
  density: { normalisable: boolean; mean: number; variance: number; interval: [number, number] };
  stepSize: number;
  steps: number;
  mean: number;
  variance: number;
  meanStdErr: number;
  varianceStdErr: number;
  histogram: { edges: number[]; density: number[] };
}

export interface ConvexLabResult {
  settings: Required<Omit<ConvexLabOptions, 'sigma' | 'langevinStep'>> & { sigma: number | null; langevinStep: number | null };
  data: { mean: number; variance: number; min: number; max: number };
  convex: { objective: number; kktResidual: number; hiddenUnits: number; zeroThreshold: number };
  /** Final and lowest-along-the-way training loss of each run. */
  adam: Array<{ start: number; finalLoss: number; bestLoss: number; gapToConvex: number }>;
  lossHistory: { steps: number[]; adam: number[][] };
  convexBelowEveryAdam: boolean;
  gaussianCheck: {
    reference: string;
    /** Whether β lies in the range where the reference is the exact optimum (null: not known in closed form). */
    inRegime: boolean | null;
    regime: [number, number] | null;
    /** max |s(x) − reference(x)| on the checked range. */
    maxError: number;
    range: [number, number];
  } | null;
  scores: { x: number[]; convex: number[]; adam: number[][] };
  langevin: {
    chains: number;
    convex: LangevinSummary;
    /** The convex score's normalised density p ∝ exp(∫ s) on the histogram range (empty if not normalisable). */
    convexDensityCurve: { x: number[]; p: number[] };
    adam: LangevinSummary[];
    dataHistogram: { edges: number[]; density: number[] };
  };
}

export function runConvexLab(options: ConvexLabOptions): ConvexLabResult {
  const objective = options.objective ?? 'sm';
  const activation = options.activation;
  const beta = checkNumber('beta', options.beta, Number.MIN_VALUE, 1e6);
  const skip = options.skip ?? false;
  const dataKind = options.data ?? 'gaussian';
  const n = checkInteger('samples', options.samples ?? 50, 2, 2000);
  const seed = checkInteger('seed', options.seed ?? 1, 0, 2 ** 31);
  const starts = checkInteger('starts', options.starts ?? 5, 0, 100);
  const hidden = checkInteger('hidden', options.hidden ?? 20, 1, 10_000);
  const adamSteps = checkInteger('adamSteps', options.adamSteps ?? 3000, 1, 1_000_000);
  // Small on purpose: the SM loss of a ReLU net jumps when a kink crosses a sample (s' is a step
  // function of the kink), which gradients cannot see; larger steps make Adam drift into s ≡ 0.
  const learningRate = checkNumber('learningRate', options.learningRate ?? 0.002, 1e-8, 10);
  const chains = checkInteger('chains', options.chains ?? 1000, 10, 1_000_000);
  const langevinStep = options.langevinStep === undefined ? undefined : checkNumber('langevinStep', options.langevinStep, 1e-6, 10);
  const sigma = objective === 'dsm' ? checkNumber('sigma', options.sigma ?? 0.5, 1e-6, 1e6) : null;

  const rng = new Prng(seed);
  const x = labSamples(dataKind, n, rng);
  let train: ScoreTrainingSet;
  if (objective === 'sm') train = { kind: 'sm', x };
  else {
    // DSM inputs x̃ = x + σε with labels −ε/σ (one draw per sample).
    const eps = Float64Array.from({ length: n }, () => rng.gaussian());
    train = { kind: 'dsm', x: x.map((v, i) => v + sigma! * eps[i]!), y: eps.map((e) => -e / sigma!) };
  }
  const { mean, variance } = meanAndVariance(x);
  const lo = Math.min(...train.x);
  const hi = Math.max(...train.x);

  const program = buildConvexScoreProgram(train, { activation, beta, skip });
  const solution = solveConvexScore(program);

  const adamNets: TwoLayerScoreNet[] = [];
  // Loss curves for the figure, at about 200 evenly spaced steps.
  const every = Math.max(1, Math.floor(adamSteps / 200));
  const historySteps = Array.from({ length: Math.floor(adamSteps / every) + 1 }, (_, i) => i * every);
  const histories: number[][] = [];
  const adam = Array.from({ length: starts }, (_, k) => {
    const start = randomNet(activation, hidden, skip, [lo, hi], new Prng(seed + 1000 * (k + 1)));
    const { net, losses } = trainAdam(start, train, beta, { steps: adamSteps, learningRate });
    adamNets.push(net);
    histories.push(historySteps.map((t) => losses[t]!));
    const finalLoss = losses[losses.length - 1]!;
    return { start: k, finalLoss, bestLoss: Math.min(...losses), gapToConvex: finalLoss - solution.objective };
  });

  const margin = 0.25 * (hi - lo) + 1;
  const grid = Array.from(linspace(lo - margin, hi + margin, 201));
  const convexScore = solution.score;

  // The score's variance term only makes sense for SM on the raw samples.
  let gaussianCheck: ConvexLabResult['gaussianCheck'] = null;
  if (objective === 'sm') {
    if (skip) {
      const b0 = zeroThreshold(program);
      const ref = (t: number) => -(t - mean) / variance;
      gaussianCheck = {
        reference: '−(x − x̄)/v everywhere (skip connection, β ≥ β₀)',
        inRegime: beta >= b0,
        regime: [b0, Infinity],
        maxError: Math.max(...grid.map((t) => Math.abs(convexScore(t) - ref(t)))),
        range: [grid[0]!, grid[grid.length - 1]!],
      };
    } else {
      const inside = grid.filter((t) => t >= lo && t <= hi);
      const ref = (t: number) => (-(1 - beta) * (t - mean)) / variance;
      const regime = activation === 'relu' ? reluLinearRegime(x) : null;
      gaussianCheck = {
        reference: '−(1 − β)(x − x̄)/v on the data range (no skip; β₀ = 1)',
        inRegime: regime ? beta >= regime.betaLow && beta < regime.betaHigh : null,
        regime: regime ? [regime.betaLow, regime.betaHigh] : null,
        maxError: Math.max(...inside.map((t) => Math.abs(convexScore(t) - ref(t)))),
        range: [lo, hi],
      };
    }
  }

  const histLo = lo - margin;
  const histHi = hi + margin;
  const sampleWith = (s: (t: number) => number, ds: (t: number) => number, k: number): LangevinSummary => {
    const density = impliedDensity(s, lo, hi, variance);
    // ε small against the score's steepest slope on the data (ULA is stable for ε·|s'| < 2) and against v;
    // run for about ten relaxation times of the implied density (≈ its variance for a log-concave one),
    // capped: poorly confining Adam scores would otherwise take minutes and show little more.
    let slope = 0;
    for (const t of linspace(lo, hi, 401)) slope = Math.max(slope, Math.abs(ds(t)));
    const stepSize = langevinStep ?? Math.min(0.02 * variance, slope > 0 ? 0.2 / slope : Infinity);
    const scale = density.normalisable ? Math.max(density.variance, variance) : variance;
    const steps = Math.min(4000, Math.ceil((10 * scale) / stepSize));
    const samples = langevinSamples(s, { chains, steps, stepSize, start: [lo, hi] }, new Prng(seed + 77 + 1000 * k));
    const m = sampleMoments(samples);
    const h = histogram(samples, histLo, histHi, 60);
    return { stepSize, steps, ...m, density, histogram: { edges: Array.from(h.edges), density: Array.from(h.density) } };
  };
  const convexDerivative = (t: number) => scoreDerivative(solution.net, t);
  const convexLangevin = sampleWith(convexScore, convexDerivative, 0);
  const curve = convexLangevin.density.normalisable ? densityCurve(convexScore, convexLangevin.density.interval, [histLo, histHi]) : { x: [], p: [] };
  const dataHist = histogram(x, histLo, histHi, 30);

  return {
    settings: { beta, activation, objective, sigma, skip, data: dataKind, samples: n, seed, starts, hidden, adamSteps, learningRate, chains, langevinStep: langevinStep ?? null },
    data: { mean, variance, min: lo, max: hi },
    convex: { objective: solution.objective, kktResidual: solution.kktResidual, hiddenUnits: solution.net.a.length, zeroThreshold: zeroThreshold(program) },
    adam,
    lossHistory: { steps: historySteps, adam: histories },
    convexBelowEveryAdam: adam.every((a) => solution.objective <= a.bestLoss + 1e-9),
    gaussianCheck,
    scores: { x: grid, convex: grid.map(convexScore), adam: adamNets.map((net) => grid.map((t) => score(net, t))) },
    langevin: {
      chains,
      convex: convexLangevin,
      convexDensityCurve: curve,
      adam: adamNets.map((net, k) => sampleWith((t) => score(net, t), (t) => scoreDerivative(net, t), k + 1)),
      dataHistogram: { edges: Array.from(dataHist.edges), density: Array.from(dataHist.density) },
    },
  };
}

/** The three SVG figures, by file name. */
export function convexLabFigures(r: ConvexLabResult): Record<string, string> {
  const label = `${r.settings.objective.toUpperCase()}, ${r.settings.activation}${r.settings.skip ? ' + skip' : ''}, β = ${r.settings.beta}`;
  return {
    'losses.svg': linePlot({
      title: `Training loss: Adam runs vs the convex optimum (${label})`,
      xLabel: 'Adam step',
      yLabel: 'training loss (weight decay included)',
      series: [
        ...r.lossHistory.adam.map((y, k) => ({ name: `Adam start ${k}`, x: r.lossHistory.steps, y, colour: paletteColour(k + 1), strokeWidth: 1.2 })),
        {
          name: 'convex optimum',
          x: [0, r.lossHistory.steps[r.lossHistory.steps.length - 1] ?? 1],
          y: [r.convex.objective, r.convex.objective],
          colour: paletteColour(0),
          dash: true,
          strokeWidth: 2.5,
        },
      ],
      // The first steps of a random start are far above everything else; start the axis where the runs settle.
      yRange: lossRange(r),
    }),
    'scores.svg': linePlot({
      title: `Predicted score functions (${label})`,
      xLabel: 'x',
      yLabel: 's(x)',
      series: [
        { name: 'convex optimum', x: r.scores.x, y: r.scores.convex, colour: paletteColour(0), strokeWidth: 2.5 },
        ...r.scores.adam.map((y, k) => ({ name: `Adam start ${k}`, x: r.scores.x, y, colour: paletteColour(k + 1), strokeWidth: 1.2 })),
        { name: 'Gaussian −(x − x̄)/v', x: r.scores.x, y: r.scores.x.map((t) => -(t - r.data.mean) / r.data.variance), colour: '#555', dash: true },
      ],
      vLines: [
        { value: r.data.min, label: 'data range', colour: '#999' },
        { value: r.data.max, colour: '#999' },
      ],
    }),
    'langevin.svg': histogramPlot({
      curves: r.langevin.convexDensityCurve.x.length
        ? [{ name: 'p ∝ exp(∫ s) (convex)', x: r.langevin.convexDensityCurve.x, y: r.langevin.convexDensityCurve.p, colour: '#000', dash: true }]
        : [],
      title: `Langevin samples (${r.langevin.chains} chains) (${label})`,
      xLabel: 'x',
      yLabel: 'density',
      series: [
        { name: 'training data', edges: r.langevin.dataHistogram.edges, heights: r.langevin.dataHistogram.density, colour: '#999', filled: true },
        { name: 'convex score', edges: r.langevin.convex.histogram.edges, heights: r.langevin.convex.histogram.density, colour: paletteColour(0) },
        ...r.langevin.adam.map((a, k) => ({ name: `Adam start ${k}`, edges: a.histogram.edges, heights: a.histogram.density, colour: paletteColour(k + 1) })),
      ],
    }),
  };
}


function lossRange(r: ConvexLabResult): [number, number] {
  const lo = Math.min(r.convex.objective, ...r.adam.map((a) => a.bestLoss));
  const tail = r.lossHistory.adam.flatMap((h) => h.slice(Math.floor(h.length / 10)));
  const hi = Math.max(r.convex.objective, ...tail);
  const pad = 0.05 * (hi - lo || 1);
  return [lo - pad, hi + pad];
}
