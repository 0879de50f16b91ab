import { beforeAll, describe, expect, it } from 'vitest';
import { DenoisingTerm, InpaintingTerm } from '../../src/solve/data-terms.js';
import { sigmaSchedule } from '../../src/solve/schedule.js';
import { proximalSteps, solveGncFlow } from '../../src/solve/gnc-flow.js';
import { TiledPrior, type PriorField } from '../../src/solve/tiled-prior.js';
import type { SolveProblem } from '../../src/solve/solver.js';
import { solveJoint } from '../../src/solve/joint.js';
import { FoEPrior } from '../../src/prior/foe.js';
import { resolveModel } from '../../src/prior/registry.js';
import { addGaussianNoise, randomMissingMask } from '../../src/image/noise.js';
import { psnr } from '../../src/image/metrics.js';
import type { Shape4 } from '../../src/prior/conv.js';
import { randomArray } from '../helpers/random.js';
import { useBackend } from '../helpers/backends.js';

/** A piecewise-smooth test image: a bright disc on a ramp with a striped square. */
function testImage(size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v = 0.2 + 0.4 * (x / size);
      if ((x - size * 0.35) ** 2 + (y - size * 0.4) ** 2 < (size * 0.2) ** 2) v = 0.85;
      if (x > size * 0.6 && y > size * 0.55 && x < size * 0.9 && y < size * 0.9) v = 0.3 + 0.25 * (Math.floor(x / 3) % 2);
      out[y * size + x] = v;
    }
  }
  return out;
}

describe('data terms', () => {
  it('denoising prox is the minimiser of τD(x) + ½‖x − v‖²', () => {
    const z = randomArray(1, 50);
    const v = randomArray(2, 50);
    const term = new DenoisingTerm(z, 0.1);
    const tau = 0.03;
    const p = term.prox(v, tau);
    // Optimality: (p − v) + τ ∇D(p) = 0 with ∇D(p) = (p − z)/s².
    for (let i = 0; i < z.length; i++) expect(p[i]! - v[i]! + (tau * (p[i]! - z[i]!)) / 0.01).toBeCloseTo(0, 5);
    // D has the gradient its energy implies.
    const h = 1e-3;
    const e = (x: Float32Array) => term.energy(x);
    const bump = v.slice();
    bump[3]! += h;
    const down = v.slice();
    down[3]! -= h;
    expect((e(bump) - e(down)) / (2 * h)).toBeCloseTo((v[3]! - z[3]!) / 0.01, 1);
  });

  it('inpainting prox projects onto the observed pixels and nothing else', () => {
    const z = randomArray(3, 20);
    const mask = Float32Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const term = new InpaintingTerm(z, mask);
    const v = randomArray(4, 20);
    const p = term.prox(v, 1);
    for (let i = 0; i < 20; i++) expect(p[i]).toBe(mask[i] ? z[i] : v[i]);
    expect(term.energy(p)).toBe(0);
    expect(term.energy(v)).toBe(Infinity);
    const init = term.initial();
    for (let i = 0; i < 20; i++) if (mask[i]) expect(init[i]).toBe(z[i]);
  });

  it('rejects masks that cannot work', () => {
    expect(() => new InpaintingTerm(new Float32Array(4), new Float32Array(3))).toThrow(/3 values but the image has 4/);
    expect(() => new InpaintingTerm(new Float32Array(4), new Float32Array(4))).toThrow(/hides every pixel/);
    expect(() => new InpaintingTerm(new Float32Array(2), Float32Array.of(1, 0.5))).toThrow(/0 or 1/);
  });
});

describe('schedules', () => {
  it('run from σ₀ to σ_min, linearly or geometrically', () => {
    const lin = sigmaSchedule(0.4, 0.04, 5, 'linear');
    const log = sigmaSchedule(0.4, 0.04, 5, 'log');
    expect(lin[0]).toBeCloseTo(0.4);
    expect(lin[4]).toBeCloseTo(0.04);
    expect(lin[1]! - lin[2]!).toBeCloseTo(lin[2]! - lin[3]!);
    expect(log[0]).toBeCloseTo(0.4);
    expect(log[4]).toBeCloseTo(0.04);
    expect(log[1]! / log[2]!).toBeCloseTo(log[2]! / log[3]!);
    expect(() => sigmaSchedule(0.1, 0.2, 5, 'log')).toThrow(/σ_min ≤ σ₀/);
  });
});

describe('solvers with the starter prior', () => {
  let prior: FoEPrior;
  const size = 48;
  const shape: Shape4 = { n: 1, h: size, w: size, c: 1 };
  const clean = testImage(size);
  beforeAll(async () => {
    await useBackend('wasm');
    const m = await resolveModel('starter-dct-gsm');
    prior = new FoEPrior(m.architecture, m.parameters);
  });

  it.each(['linear', 'log'] as const)('the GNC flow (%s schedule) denoises: PSNR rises and traces are complete', (schedule) => {
    const noisy = addGaussianNoise(clean, 25 / 255, 1);
    const problem = { prior, data: new DenoisingTerm(noisy, 25 / 255), shape, reference: clean };
    const seen: number[] = [];
    const r = solveGncFlow(problem, { steps: 12, sigma0: 0.4, sigmaMin: 0.02, schedule, onStep: (t) => seen.push(t.step) });
    expect(seen).toEqual(Array.from({ length: 13 }, (_, i) => i));
    expect(r.trace).toHaveLength(13);
    expect(r.trace.every((t) => Number.isFinite(t.energy) && Number.isFinite(t.psnr))).toBe(true);
    for (let i = 2; i < r.trace.length; i++) expect(r.trace[i]!.sigma).toBeLessThan(r.trace[i - 1]!.sigma);
    expect(psnr(r.x, clean)).toBeGreaterThan(psnr(noisy, clean) + 4);
  });

  it('joint optimisation lowers σ from σ₀ and denoises', () => {
    const noisy = addGaussianNoise(clean, 25 / 255, 2);
    const problem = { prior, data: new DenoisingTerm(noisy, 25 / 255), shape, reference: clean };
    const r = solveJoint(problem, { steps: 15, sigma0: 0.3, tStep: 3, sigmaMin: 0.02 });
    expect(r.trace.at(-1)!.sigma).toBeLessThan(0.3 * 0.5);
    expect(psnr(r.x, clean)).toBeGreaterThan(psnr(noisy, clean) + 4);
  });

  it('the energy along the GNC flow ends far below where it started', () => {
    const noisy = addGaussianNoise(clean, 25 / 255, 3);
    const r = solveGncFlow({ prior, data: new DenoisingTerm(noisy, 25 / 255), shape }, { steps: 12, sigma0: 0.4, sigmaMin: 0.02, schedule: 'log' });
    expect(r.trace.at(-1)!.energy!).toBeLessThan(r.trace[0]!.energy!);
  });

  it('inpainting keeps observed pixels and fills the rest better than the neutral fill', () => {
    const mask = randomMissingMask(size, size, 0.5, 4);
    const z = clean.map((v, i) => (mask[i] ? v : 0));
    const data = new InpaintingTerm(z, mask);
    const r = solveGncFlow({ prior, data, shape }, { steps: 25, sigma0: 0.4, sigmaMin: 0.01, schedule: 'log', traceEnergy: false });
    for (let i = 0; i < z.length; i++) if (mask[i]) expect(r.x[i]).toBe(z[i]);
    expect(psnr(r.x, clean)).toBeGreaterThan(psnr(data.initial(), clean) + 5);
  });

  it('stops with a cancelled error when the signal fires', () => {
    const controller = new AbortController();
    const problem = { prior, data: new DenoisingTerm(clean, 0.1), shape };
    expect(() =>
      solveGncFlow(problem, {
        steps: 50,
        sigma0: 0.4,
        sigmaMin: 0.02,
        schedule: 'log',
        signal: controller.signal,
        onStep: (t) => t.step === 2 && controller.abort(),
      }),
    ).toThrow(/cancelled/);
  });
});

describe('stepping plane by plane (samplewise)', () => {
  // A colour photo is three planes; stepping them one at a time holds one
  // plane's gradient instead of three. The planes do not interact, so every
  // iterate must be the batched one, bit for bit.
  const size = 40;
  const shape: Shape4 = { n: 3, h: size, w: size, c: 1 };
  const clean = new Float32Array(3 * size * size);
  clean.set(testImage(size), 0);
  clean.set(testImage(size).map((v) => 0.5 + 0.3 * (v - 0.5)), size * size);
  clean.set(testImage(size).map((v) => 1 - v), 2 * size * size);
  let prior: FoEPrior;
  beforeAll(async () => {
    await useBackend('wasm');
    const m = await resolveModel('grey-l1-dsm');
    prior = new FoEPrior(m.architecture, m.parameters);
  });

  /** The field, recording how many samples each gradient evaluation got. */
  function watched(field: PriorField, batches: number[]): PriorField {
    return {
      tRange: field.tRange,
      evaluate: (x, s, t, want) => {
        if (want.gradX) batches.push(s.n);
        return field.evaluate(x, s, t, want);
      },
    };
  }

  it.each([
    ['whole planes', () => prior],
    ['tiles', () => new TiledPrior(prior, { tile: 16 })],
  ])('GNC flow, VN steps, joint and inpainting give the batched iterates exactly (%s)', (_, field) => {
    const noisy = addGaussianNoise(clean, 25 / 255, 5);
    const mask = new Float32Array(clean.length).map((_, i) => (i % 5 === 2 ? 0 : 1));
    const cases: Array<[string, (p: SolveProblem) => { x: Float32Array; trace: Array<{ energy?: number; psnr?: number }> }, () => SolveProblem['data']]> = [
      ['gnc', (p) => solveGncFlow(p, { steps: 4, sigma0: 0.3, sigmaMin: 0.03, schedule: 'log' }), () => new DenoisingTerm(noisy, 25 / 255)],
      ['vn', (p) => proximalSteps(p, [0.2, 0.1, 0.05], [1.2, 0.9, 1], {}, 'vn'), () => new DenoisingTerm(noisy, 25 / 255)],
      ['joint', (p) => solveJoint(p, { steps: 3, sigma0: 0.2, tStep: 3, sigmaMin: 0.02 }), () => new DenoisingTerm(noisy, 25 / 255)],
      ['inpaint', (p) => solveGncFlow(p, { steps: 4, sigma0: 0.3, sigmaMin: 0.02, schedule: 'log' }), () => new InpaintingTerm(clean.map((v, i) => v * mask[i]!), mask, 3, 1)],
    ];
    for (const [name, solve, data] of cases) {
      const batched: number[] = [];
      const planes: number[] = [];
      const a = solve({ prior: watched(field(), batched), data: data(), shape, reference: clean });
      const b = solve({ prior: watched(field(), planes), data: data(), shape, reference: clean, samplewise: true });
      expect(batched.every((n) => n === 3), name).toBe(true);
      expect(planes.length, name).toBe(3 * batched.length);
      expect(planes.every((n) => n === 1), name).toBe(true);
      let differing = 0;
      for (let i = 0; i < a.x.length; i++) if (a.x[i] !== b.x[i]) differing++;
      expect(differing, `${name}: values that differ`).toBe(0);
      expect(b.trace.map((t) => t.energy), name).toEqual(a.trace.map((t) => t.energy));
      expect(b.trace.map((t) => t.psnr), name).toEqual(a.trace.map((t) => t.psnr));
    }
  });
});
