/**
 * `gnc lab gnc1d` and `gnc lab convex` spawned as users run them. The runs are
 * independent, so they start together in beforeAll and the tests read their output.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIGURE1_MIXTURE } from '../../src/lab/gaussian-mixture.js';
import { convexityThreshold } from '../../src/lab/gnc1d.js';
import { ulaGaussianVariance } from '../../src/lab/langevin.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(path.join(tmpdir(), 'gnc-lab-cli-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function gnc(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/gnc.js', ...args], { cwd: root, timeout: 100_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const status = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof status === 'number' ? status : null) : 0, stdout, stderr });
    });
  });
}

function json(run: Run): Record<string, any> {
  expect(run.code, run.stderr).toBe(0);
  const lines = run.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, any>;
}

const gncDir = path.join(tmp, 'gnc1d');
const convexDir = path.join(tmp, 'convex');
const runs: Record<string, Run> = {};

beforeAll(async () => {
  const jobs: Record<string, string[]> = {
    gnc1d: ['lab', 'gnc1d', '--json', '--starts', '51', '-o', gncDir],
    convex: ['lab', 'convex', '--json', '--starts', '2', '--adam-steps', '300', '--chains', '200', '-o', convexDir],
    skip: ['lab', 'convex', '--json', '--skip', '--beta', '0.5', '--starts', '1', '--adam-steps', '100', '--chains', '1500'],
    betaZero: ['lab', 'convex', '--beta', '0'],
    betaSmall: ['lab', 'convex', '--beta', '0.01', '--samples', '50'],
    activation: ['lab', 'convex', '--activation', 'tanh'],
    sigmaWithoutDsm: ['lab', 'convex', '--sigma', '0.3'],
  };
  const entries = await Promise.all(Object.entries(jobs).map(async ([name, args]) => [name, await gnc(args)] as const));
  for (const [name, run] of entries) runs[name] = run;
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('gnc lab gnc1d', () => {
  it('prints the convexity threshold, the curvature and the attainment grid as one JSON object', () => {
    const r = json(runs.gnc1d!);
    // The same computation in this process: the CLI reports the library's σ*.
    expect(r.convexityThreshold.sigma).toBeCloseTo(convexityThreshold(FIGURE1_MIXTURE).sigma, 10);
    for (const m of r.minCurvature as Array<{ sigma: number; value: number }>) {
      if (m.sigma < r.convexityThreshold.sigma * 0.99) expect(m.value).toBeLessThan(0);
      if (m.sigma > r.convexityThreshold.sigma * 1.01) expect(m.value).toBeGreaterThan(0);
    }
    const a = r.attainment;
    const rate = (s0: number, t: number) => a.rate[a.sigma0.indexOf(s0)][a.steps.indexOf(t)];
    expect(rate(1, 500)).toBe(1);
    // σ₀ = σ_min is plain gradient descent: exactly the starts already inside the basin.
    const starts = Array.from({ length: a.starts }, (_, i) => -1 + (2 * i) / (a.starts - 1));
    const inside = starts.filter((x) => x > a.basin[0] && x < a.basin[1]).length / a.starts;
    for (const t of a.steps) expect(rate(0.01, t)).toBe(inside);
    expect(inside).toBeLessThan(1);
  });

  it('writes four SVG figures and the full results, atomically', () => {
    const files = json(runs.gnc1d!).files as string[];
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['attainment.svg', 'curvature.svg', 'energy.svg', 'results.json', 'trajectories.svg']);
    for (const f of files.filter((f) => f.endsWith('.svg'))) expect(readFileSync(f, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    const full = JSON.parse(readFileSync(path.join(gncDir, 'results.json'), 'utf8'));
    expect(full.energyCurves.energy.length).toBe(full.energyCurves.sigma.length);
    expect(readdirSync(gncDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('gnc lab convex', () => {
  it('reports the exact convex optimum below every Adam run', () => {
    const r = json(runs.convex!);
    expect(r.convex.kktResidual).toBeLessThan(1e-8);
    expect(r.adam).toHaveLength(2);
    expect(r.convexBelowEveryAdam).toBe(true);
    for (const a of r.adam) expect(a.finalLoss).toBeGreaterThanOrEqual(r.convex.objective - 1e-9);
    expect(r.files.map((f: string) => path.basename(f)).sort()).toEqual(['langevin.svg', 'losses.svg', 'results.json', 'scores.svg']);
    expect(existsSync(path.join(convexDir, 'results.json'))).toBe(true);
  });

  it('with a skip connection and large β predicts the Gaussian score, and Langevin reproduces its moments', () => {
    const r = json(runs.skip!);
    expect(r.gaussianCheck.inRegime).toBe(true);
    expect(r.gaussianCheck.maxError).toBeLessThan(1e-9);
    const l = r.langevin.convex;
    expect(Math.abs(l.mean - r.data.mean)).toBeLessThan(4 * l.meanStdErr);
    expect(Math.abs(l.variance - ulaGaussianVariance(r.data.variance, l.stepSize))).toBeLessThan(4 * l.varianceStdErr);
  });

  it('refuses invalid options with a clear message and exit status 2', () => {
    expect(runs.betaZero!.code).toBe(2);
    expect(runs.betaZero!.stderr).toMatch(/--beta/);
    expect(runs.betaSmall!.code).toBe(2);
    expect(runs.betaSmall!.stderr).toMatch(/needs a weight decay β > 1\/n/);
    expect(runs.activation!.code).toBe(2);
    expect(runs.activation!.stderr).toMatch(/relu, abs/);
    expect(runs.sigmaWithoutDsm!.code).toBe(2);
    expect(runs.sigmaWithoutDsm!.stderr).toMatch(/--objective dsm/);
  });
});
