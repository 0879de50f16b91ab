/**
 * `gnc lab gnc1d` and `gnc lab convex`: the 1-D experiments behind the method
 * (method.md §1 and §6), run in Float64 without the image engine. Each prints
 * a short summary (or one JSON object with --json) and, with -o DIR, writes
 * its SVG figures and the full results as JSON into DIR.
 */
import { Command, Option } from 'commander';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { convexLabFigures, runConvexLab, type ConvexLabResult, type LabData } from '../lab/convex-experiment.js';
import { gnc1dFigures, runGnc1dExperiment, type Gnc1dResult } from '../lab/gnc1d-experiment.js';
import type { Activation } from '../lab/two-layer.js';
import { writeFileAtomic } from '../util/atomic.js';
import { GncError, invalidArgument } from '../util/errors.js';
import { parseChoice, parseInteger, parseNumber } from './options.js';

/** A number strictly above `min` (e.g. β > 0), at most `max`. */
function parseAbove(option: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= min || n > max) throw invalidArgument(option, `a number above ${min} and at most ${max}`, value);
    return n;
  };
}

async function writeOutputs(dir: string, figures: Record<string, string>, results: unknown): Promise<string[]> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new GncError('io', `Could not create the output folder ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const written: string[] = [];
  for (const [name, svg] of Object.entries(figures)) {
    const file = path.join(dir, name);
    await writeFileAtomic(file, svg);
    written.push(file);
  }
  const file = path.join(dir, 'results.json');
  await writeFileAtomic(file, `${JSON.stringify(results, null, 1)}\n`);
  written.push(file);
  return written;
}

/** The headline figures of the GNC experiment (the curves stay in results.json). */
function gnc1dSummary(r: Gnc1dResult) {
  return {
    convexityThreshold: r.convexityThreshold,
    minCurvature: r.minCurvature,
    attainment: r.attainment,
  };
}

function formatGnc1d(r: Gnc1dResult): string {
  const lines = [
    `Convexity threshold σ* = ${r.convexityThreshold.sigma.toFixed(6)} (E(·, σ) convex for σ ≥ σ*; min E'' there ${r.convexityThreshold.minCurvatureAtThreshold.toExponential(1)})`,
    'min_x E″(x, σ):',
    ...r.minCurvature.map((m) => `  σ = ${String(m.sigma).padEnd(8)} ${m.value.toPrecision(5).padStart(12)}  at x = ${m.at.toFixed(4)}`),
    `Attainment rate (share of ${r.attainment.starts} starts on [${r.domain.join(', ')}] ending in the basin (${r.attainment.basin.map((b) => b.toFixed(4)).join(', ')}) of the global minimum ${r.attainment.globalMinimum.toFixed(4)}; σ_min = ${r.attainment.sigmaMin}):`,
    `  σ₀ \\ T ${r.attainment.steps.map((t) => String(t).padStart(5)).join('')}`,
    ...r.attainment.sigma0.map((s, i) => `  ${String(s).padEnd(6)} ${r.attainment.rate[i]!.map((v) => `${Math.round(100 * v)}%`.padStart(5)).join('')}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The convex lab's result without the long arrays (scores on the grid, histograms). */
function convexSummary(r: ConvexLabResult) {
  const langevin = (l: ConvexLabResult['langevin']['convex']) => ({
    mean: l.mean,
    variance: l.variance,
    meanStdErr: l.meanStdErr,
    varianceStdErr: l.varianceStdErr,
    stepSize: l.stepSize,
    steps: l.steps,
    density: l.density,
  });
  return {
    settings: r.settings,
    data: r.data,
    convex: r.convex,
    adam: r.adam,
    convexBelowEveryAdam: r.convexBelowEveryAdam,
    gaussianCheck: r.gaussianCheck,
    langevin: { chains: r.langevin.chains, convex: langevin(r.langevin.convex), adam: r.langevin.adam.map(langevin) },
  };
}

function formatConvex(r: ConvexLabResult): string {
  const s = r.settings;
  const f = (v: number) => (Number.isFinite(v) ? v.toPrecision(6) : String(v));
  const lines = [
    `${s.objective.toUpperCase()} training of a two-layer ${s.activation}${s.skip ? ' + skip' : ''} score network, β = ${s.beta}, ${s.samples} ${s.data} samples (mean ${f(r.data.mean)}, variance ${f(r.data.variance)})`,
    `Convex optimum: loss ${f(r.convex.objective)}, KKT residual ${r.convex.kktResidual.toExponential(1)}, ${r.convex.hiddenUnits} hidden unit(s); no unit used for β ≥ ${f(r.convex.zeroThreshold)}`,
    ...r.adam.map((a) => `Adam start ${a.start} (${s.hidden} units, ${s.adamSteps} steps): final loss ${f(a.finalLoss)} (lowest ${f(a.bestLoss)}), ${f(a.gapToConvex)} above the convex optimum`),
    `Convex optimum below every Adam run: ${r.convexBelowEveryAdam ? 'yes' : 'NO'}`,
  ];
  if (r.gaussianCheck) {
    const g = r.gaussianCheck;
    const regime = g.regime ? ` (regime β ∈ [${f(g.regime[0])}, ${f(g.regime[1])}))` : '';
    lines.push(`Gaussian-score check: max |s − ${g.reference}| = ${g.maxError.toExponential(2)}; β in regime: ${g.inRegime ?? 'unknown'}${regime}`);
  }
  const lv = (name: string, l: ConvexLabResult['langevin']['convex']) =>
    `Langevin (${name}): mean ${f(l.mean)} ± ${l.meanStdErr.toPrecision(2)}, variance ${f(l.variance)} ± ${l.varianceStdErr.toPrecision(2)}` +
    (l.density.normalisable ? `; the score's density: mean ${f(l.density.mean)}, variance ${f(l.density.variance)}` : '; the score does not confine (density not normalisable)');
  lines.push(lv('convex', r.langevin.convex), ...r.langevin.adam.map((l, k) => lv(`Adam ${k}`, l)));
  return `${lines.join('\n')}\n`;
}

export function addLabCommand(program: Command): void {
  const lab = program.command('lab').description('1-D experiments behind the method: the GNC example and score matching as a convex program');

  lab
    .command('gnc1d')
    .description('The five-component Gaussian mixture of method.md §1: convexity threshold, GNC-flow attainment rates, curvature')
    .addOption(new Option('--starts <N>', 'equally spaced starts on [−1, 1] per (σ₀, T)').argParser(parseInteger('--starts', 2, 100_000)).default(101))
    .addOption(new Option('--sigma-min <s>', 'final smoothing σ_min of every schedule').argParser(parseAbove('--sigma-min', 0, 1)).default(0.01))
    .option('--json', 'print one JSON object (threshold, curvature, attainment grid)')
    .option('-o, --out <dir>', 'write energy.svg, trajectories.svg, attainment.svg, curvature.svg and results.json into this folder')
    .action(async (o: { starts: number; sigmaMin: number; json?: boolean; out?: string }) => {
      const result = runGnc1dExperiment({ starts: o.starts, sigmaMin: o.sigmaMin, sigma0s: [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1].filter((s) => s >= o.sigmaMin) });
      const files = o.out ? await writeOutputs(o.out, gnc1dFigures(result), result) : [];
      if (o.json) process.stdout.write(`${JSON.stringify({ ...gnc1dSummary(result), files })}\n`);
      else process.stdout.write(formatGnc1d(result) + (files.length ? `Wrote ${files.join(', ')}\n` : ''));
    });

  lab
    .command('convex')
    .description('Score matching of a two-layer network: the exact convex optimum (method.md §6) against Adam, with Langevin samples')
    .addOption(new Option('--beta <B>', 'weight decay β > 0 (score matching needs β > 1/samples)').argParser(parseAbove('--beta', 0, 1e6)).default(0.1))
    .addOption(new Option('--activation <name>', 'hidden activation').argParser(parseChoice('--activation', ['relu', 'abs'] as const)).default('relu'))
    .option('--skip', 'add an (unpenalised) skip connection k·x')
    .addOption(new Option('--objective <name>', 'sm (Hyvärinen) or dsm (denoising, one noise draw per sample)').argParser(parseChoice('--objective', ['sm', 'dsm'] as const)).default('sm'))
    .addOption(new Option('--sigma <s>', 'noise level for --objective dsm').argParser(parseAbove('--sigma', 0, 1e3)))
    .addOption(new Option('--data <kind>', 'training samples: gaussian (N(0, 1)) or mixture (±2, std 0.5)').argParser(parseChoice('--data', ['gaussian', 'mixture'] as const)).default('gaussian'))
    .addOption(new Option('--samples <N>', 'number of training samples').argParser(parseInteger('--samples', 2, 2000)).default(50))
    .addOption(new Option('--hidden <M>', 'hidden units of the Adam-trained networks').argParser(parseInteger('--hidden', 1, 10_000)).default(20))
    .addOption(new Option('--starts <K>', 'Adam runs, each from its own seeded random start').argParser(parseInteger('--starts', 0, 100)).default(5))
    .addOption(new Option('--adam-steps <N>', 'full-batch Adam steps per run').argParser(parseInteger('--adam-steps', 1, 1_000_000)).default(3000))
    .addOption(new Option('--lr <rate>', 'Adam peak learning rate (cosine decay)').argParser(parseNumber('--lr', 1e-8, 10)).default(0.002))
    .addOption(new Option('--chains <N>', 'independent Langevin chains per score').argParser(parseInteger('--chains', 10, 1_000_000)).default(1000))
    .addOption(new Option('--seed <n>', 'seed for the samples, the Adam starts and Langevin').argParser(parseInteger('--seed', 0, 2 ** 31)).default(1))
    .option('--json', 'print one JSON object (losses, checks, Langevin moments)')
    .option('-o, --out <dir>', 'write losses.svg, scores.svg, langevin.svg and results.json into this folder')
    .action(
      async (o: {
        beta: number;
        activation: Activation;
        skip?: boolean;
        objective: 'sm' | 'dsm';
        sigma?: number;
        data: LabData;
        samples: number;
        hidden: number;
        starts: number;
        adamSteps: number;
        lr: number;
        chains: number;
        seed: number;
        json?: boolean;
        out?: string;
      }) => {
        if (o.sigma !== undefined && o.objective !== 'dsm') throw new GncError('invalid-argument', '--sigma only applies with --objective dsm');
        const result = runConvexLab({
          beta: o.beta,
          activation: o.activation,
          skip: o.skip ?? false,
          objective: o.objective,
          ...(o.sigma !== undefined ? { sigma: o.sigma } : {}),
          data: o.data,
          samples: o.samples,
          hidden: o.hidden,
          starts: o.starts,
          adamSteps: o.adamSteps,
          learningRate: o.lr,
          chains: o.chains,
          seed: o.seed,
        });
        const files = o.out ? await writeOutputs(o.out, convexLabFigures(result), result) : [];
        if (o.json) process.stdout.write(`${JSON.stringify({ ...convexSummary(result), files })}\n`);
        else process.stdout.write(formatConvex(result) + (files.length ? `Wrote ${files.join(', ')}\n` : ''));
      },
    );
}
