/**
 * The whole 1-D GNC experiment of method.md §1 (a)–(c) as one JSON-ready
 * result, plus its four figures. Used by `gnc lab gnc1d` and its tests.
 */
import { checkInteger, checkNumber } from '../util/errors.js';
import { FIGURE1_DOMAIN, FIGURE1_MIXTURE, energy, type GaussianMixture1d } from './gaussian-mixture.js';
import { attainmentGrid, attainmentSetup, convexityThreshold, gncFlow, linspace, logSchedule, minCurvature } from './gnc1d.js';
import { heatMap, linePlot, paletteColour, type LineSeries } from './svg-plot.js';

export interface Gnc1dOptions {
  mixture?: GaussianMixture1d;
  domain?: readonly [number, number];
  /** Number of equally spaced starts on the domain. */
  starts?: number;
  sigmaMin?: number;
  sigma0s?: readonly number[];
  steps?: readonly number[];
  /** The (σ₀, T) whose trajectories are drawn. */
  trajectory?: { sigma0: number; steps: number; starts: number };
}

export interface Gnc1dResult {
  mixture: GaussianMixture1d;
  domain: [number, number];
  convexityThreshold: { sigma: number; bracket: [number, number]; minCurvatureAtThreshold: number };
  minCurvature: Array<{ sigma: number; value: number; at: number }>;
  curvatureCurve: { sigma: number[]; minCurvature: number[] };
  energyCurves: { x: number[]; sigma: number[]; energy: number[][] };
  attainment: {
    starts: number;
    sigmaMin: number;
    globalMinimum: number;
    basin: [number, number];
    sigma0: number[];
    steps: number[];
    /** rate[i][j] for sigma0[i] and steps[j]. */
    rate: number[][];
  };
  trajectories: { sigma0: number; steps: number; paths: number[][] };
}

const DEFAULT_SIGMA0 = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1];
const DEFAULT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

export function runGnc1dExperiment(options: Gnc1dOptions = {}): Gnc1dResult {
  const mix = options.mixture ?? FIGURE1_MIXTURE;
  const domain: [number, number] = [...(options.domain ?? FIGURE1_DOMAIN)] as [number, number];
  const sigmaMin = checkNumber('sigmaMin', options.sigmaMin ?? 0.01, 1e-6, 10);
  const sigma0s = [...(options.sigma0s ?? DEFAULT_SIGMA0)].map((s) => checkNumber('sigma0', s, sigmaMin, 100));
  const steps = [...(options.steps ?? DEFAULT_STEPS)].map((t) => checkInteger('steps', t, 1, 1_000_000));
  const starts = checkInteger('starts', options.starts ?? 101, 2, 100_000);

  const threshold = convexityThreshold(mix);
  const probe = [0.01, 0.05, 0.1, 0.2, 0.25, Number(threshold.sigma.toPrecision(6)), 0.35, 0.5];
  const curveSigma = Array.from(linspace(Math.log(0.005), Math.log(1), 80), Math.exp);
  const energySigma = [0.01, 0.05, 0.1, 0.2, 0.3, 0.5];
  const xs = Array.from(linspace(domain[0], domain[1], 401));
  const setup = attainmentSetup(mix, domain, { starts, sigmaMin });
  // A setting where most, not all, trajectories reach the global basin, so both outcomes show.
  const traj = options.trajectory ?? { sigma0: 0.3, steps: 50, starts: 21 };
  const paths = gncFlow(mix, linspace(domain[0], domain[1], traj.starts), logSchedule(traj.sigma0, sigmaMin, traj.steps));

  return {
    mixture: { weights: [...mix.weights], means: [...mix.means], stds: [...mix.stds] },
    domain,
    convexityThreshold: { ...threshold, minCurvatureAtThreshold: minCurvature(mix, threshold.sigma).value },
    minCurvature: probe.map((sigma) => {
      const m = minCurvature(mix, sigma);
      return { sigma, value: m.value, at: m.x };
    }),
    curvatureCurve: { sigma: curveSigma, minCurvature: curveSigma.map((s) => minCurvature(mix, s).value) },
    energyCurves: {
      x: xs,
      sigma: energySigma,
      // Shifted so each curve's minimum on the domain is 0: the shapes are what matter.
      energy: energySigma.map((s) => {
        const e = xs.map((x) => energy(mix, x, s));
        const lo = Math.min(...e);
        return e.map((v) => v - lo);
      }),
    },
    attainment: {
      starts,
      sigmaMin,
      globalMinimum: setup.xStar,
      basin: setup.basin,
      sigma0: sigma0s,
      steps,
      rate: attainmentGrid(setup, sigma0s, steps),
    },
    trajectories: { sigma0: traj.sigma0, steps: traj.steps, paths: paths.map((p) => Array.from(p)) },
  };
}

/** The four SVG figures of the experiment, by file name. */
export function gnc1dFigures(r: Gnc1dResult): Record<string, string> {
  const sigmaStar = r.convexityThreshold.sigma;
  return {
    'energy.svg': linePlot({
      title: 'Smoothed energies E(x, σ) − min E (method.md §1 a)',
      xLabel: 'x',
      yLabel: 'E(x, σ) − min',
      series: r.energyCurves.sigma.map((s, i) => ({ name: `σ = ${s}`, x: r.energyCurves.x, y: r.energyCurves.energy[i]!, colour: paletteColour(i) })),
      yRange: [0, Math.min(12, Math.max(...r.energyCurves.energy.flat()))],
    }),
    'trajectories.svg': linePlot({
      title: `GNC flow trajectories, σ₀ = ${r.trajectories.sigma0}, T = ${r.trajectories.steps}`,
      xLabel: 'step i',
      yLabel: 'x_i',
      series: trajectorySeries(r),
      legend: 'bottom-right',
      hLines: [
        { value: r.attainment.globalMinimum, label: 'global minimum', colour: '#2ca02c' },
        { value: r.attainment.basin[0], label: 'basin', colour: '#999' },
        { value: r.attainment.basin[1], colour: '#999' },
      ],
    }),
    'attainment.svg': heatMap({
      title: 'Attainment rate of the global minimum (method.md §1 b)',
      xLabel: 'steps T',
      yLabel: 'initial smoothing σ₀',
      columns: r.attainment.steps.map(String),
      rows: r.attainment.sigma0.map(String),
      values: r.attainment.rate,
      min: 0,
      max: 1,
      annotate: (v) => `${Math.round(100 * v)}`,
    }),
    'curvature.svg': linePlot({
      title: 'Smallest curvature min_x ∂²E(x, σ) (method.md §1 c)',
      xLabel: 'σ',
      yLabel: 'min_x E″ (symlog: sign · log10(1 + |E″|))',
      xLog: true,
      // A signed log scale: the curvature spans −10⁴ … 10 and the crossing at 0 is the point.
      series: [{ name: 'min_x E″', x: r.curvatureCurve.sigma, y: r.curvatureCurve.minCurvature.map((v) => Math.sign(v) * Math.log10(1 + Math.abs(v))) }],
      vLines: [{ value: sigmaStar, label: `σ* = ${sigmaStar.toFixed(4)}`, colour: '#d62728' }],
      legend: 'top-left',
      hLines: [{ value: 0, colour: '#333' }],
    }),
  };
}

/** One line per start, blue if it ends in the global minimum's basin and red if not; one legend entry per outcome. */
function trajectorySeries(r: Gnc1dResult): LineSeries[] {
  const [lo, hi] = r.attainment.basin;
  const seen = new Set<boolean>();
  return r.trajectories.paths.map((p) => {
    const hit = p[p.length - 1]! > lo && p[p.length - 1]! < hi;
    const first = !seen.has(hit);
    seen.add(hit);
    return {
      name: hit ? 'ends in the global basin' : 'ends in another basin',
      x: p.map((_, i) => i),
      y: p,
      colour: hit ? paletteColour(0) : paletteColour(1),
      hideInLegend: !first,
      strokeWidth: 1.2,
    };
  });
}
