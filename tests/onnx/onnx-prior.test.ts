/**
 * The onnxruntime inference path against the tfjs one: ∇ₓR and R of the
 * shipped priors (and ∂ₜR), tiling, the tfjs fallback for tiny tiles, and whole
 * solver runs (GNC flow, joint optimisation).
 * Skipped, with the reason in the suite's name, where onnxruntime-node does
 * not load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FoEPrior } from '../../src/prior/foe.js';
import type { Shape4 } from '../../src/prior/conv.js';
import { resolveModel } from '../../src/prior/registry.js';
import { foeArchitecture, initialParameters } from '../../src/prior/factory.js';
import { OnnxPrior } from '../../src/onnx/onnx-prior.js';
import { loadOrt } from '../../src/onnx/ort.js';
import { TiledPrior } from '../../src/solve/tiled-prior.js';
import { proximalSteps } from '../../src/solve/gnc-flow.js';
import { solveJoint } from '../../src/solve/joint.js';
import { sigmaSchedule } from '../../src/solve/schedule.js';
import { DenoisingTerm, InpaintingTerm } from '../../src/solve/data-terms.js';
import { psnr } from '../../src/image/metrics.js';
import { useBackend } from '../helpers/backends.js';
import { mulberry } from '../helpers/random.js';

function ortStatus(): { ok: boolean; reason: string } {
  try {
    loadOrt();
    return { ok: true, reason: '' };
  } catch (err) {
    return { ok: false, reason: (err as Error).message.split('\n')[0]! };
  }
}
const ort = ortStatus();
const suite = (name: string) => (ort.ok ? name : `${name} (skipped: onnxruntime-node does not load here: ${ort.reason})`);

/** A smooth image with texture and noise, values roughly in [0, 1]. */
function image(seed: number, s: Shape4, noise = 0.1): Float32Array {
  const r = mulberry(seed);
  const out = new Float32Array(s.n * s.h * s.w * s.c);
  for (let i = 0; i < out.length; i++) out[i] = 0.5 + 0.3 * Math.sin(i * 0.013 + seed) + 0.2 * Math.cos(i * 0.31) + noise * (r() - 0.5);
  return out;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.skipIf(!ort.ok)(suite('onnx prior against the tfjs FoEPrior'), () => {
  beforeAll(() => useBackend('wasm'));

  // Non-multiples of anything, two samples with different σ: the symmetric
  // border and its folding adjoint are what this checks hardest.
  const shape: Shape4 = { n: 2, h: 53, w: 41, c: 1 };

  describe.each(['grey-l1-dsm', 'grey-l2-dsm'])('%s', (name) => {
    let tfjs: FoEPrior;
    let onnx: OnnxPrior;
    beforeAll(async () => {
      const m = await resolveModel(name);
      tfjs = new FoEPrior(m.architecture, m.parameters);
      onnx = new OnnxPrior(m.architecture, m.parameters, { threads: 2 });
    });
    afterAll(() => {
      tfjs?.dispose();
      onnx?.dispose();
    });

    it('reports the engine and its threads', () => {
      expect(onnx.info).toMatchObject({ engine: 'onnxruntime-node', threads: 2 });
      expect(onnx.info.version).toMatch(/^\d+\.\d+/);
    });

    // σ below, inside and above the trained range [0.01, 0.6] (t continues linearly outside).
    it.each([
      [0.005, 0.02],
      [0.05, 0.2],
      [0.4, 0.9],
    ])('∇ₓR, R and ∂ₜR equal the tfjs ones at σ = %f, %f', (s0, s1) => {
      const x = image(7, shape);
      const ts = [Math.log(s0), Math.log(s1)];
      const want = { gradX: true, energy: true, gradT: true };
      const ref = tfjs.evaluate(x, shape, ts, want);
      const got = onnx.evaluate(x, shape, ts, want);
      const scale = maxAbs(ref.gradX!);
      expect(scale).toBeGreaterThan(0.1);
      expect(maxAbsDiff(got.gradX!, ref.gradX!)).toBeLessThan(2e-5 * scale);
      for (let b = 0; b < 2; b++) expect(Math.abs(got.energy![b]! - ref.energy![b]!)).toBeLessThan(1e-5 * Math.abs(ref.energy![b]!) + 1e-3);
      for (let b = 0; b < 2; b++) expect(Math.abs(got.gradT![b]! - ref.gradT![b]!)).toBeLessThan(1e-5 * Math.abs(ref.gradT![b]!) + 1e-3);
      // Gradient only and energy only are separate sessions: same numbers.
      expect(maxAbsDiff(onnx.evaluate(x, shape, ts, { gradX: true }).gradX!, got.gradX!)).toBeLessThan(1e-6 * scale);
      expect(onnx.evaluate(x, shape, ts, { energy: true }).energy![1]).toBeCloseTo(got.energy![1]!, 6);
    });

    it('features beyond the spline range (strong edges) continue linearly, as in tfjs', () => {
      const x = image(3, shape, 0).map((v, i) => (i % 7 < 3 ? v + 4 : v - 3));
      const ts = [Math.log(0.02), Math.log(0.1)];
      const ref = tfjs.evaluate(x, shape, ts, { gradX: true, energy: true });
      const got = onnx.evaluate(x, shape, ts, { gradX: true, energy: true });
      expect(maxAbsDiff(got.gradX!, ref.gradX!)).toBeLessThan(2e-5 * maxAbs(ref.gradX!));
      for (let b = 0; b < 2; b++) expect(Math.abs(got.energy![b]! - ref.energy![b]!)).toBeLessThan(1e-5 * Math.abs(ref.energy![b]!) + 1e-3);
    });
  });

  it('tiles give the untiled result, with the energy of a region counted once', async () => {
    const m = await resolveModel('grey-l2-dsm');
    const onnx = new OnnxPrior(m.architecture, m.parameters, { threads: 2, tile: 16 });
    const tfjs = new FoEPrior(m.architecture, m.parameters);
    try {
      const x = image(11, shape);
      const ts = [Math.log(0.03), Math.log(0.08)];
      const region = { top: 5, left: 9, height: 30, width: 21 };
      let tiles = 0;
      const tiled = new OnnxPrior(m.architecture, m.parameters, { threads: 1, tile: 16, onTile: () => (tiles += 1) });
      const got = tiled.evaluate(x, shape, ts, { gradX: true, energy: true, region });
      tiled.dispose();
      expect(tiles).toBe(4 * 3);
      const ref = tfjs.evaluate(x, shape, ts, { gradX: true, energy: true, region });
      expect(maxAbsDiff(got.gradX!, ref.gradX!)).toBeLessThan(2e-5 * maxAbs(ref.gradX!));
      for (let b = 0; b < 2; b++) expect(Math.abs(got.energy![b]! - ref.energy![b]!)).toBeLessThan(1e-5 * Math.abs(ref.energy![b]!) + 1e-3);
      // ∂ₜR tile by tile, over the region.
      const gt = onnx.evaluate(x, shape, ts, { gradT: true, region }).gradT!;
      const rt = tfjs.evaluate(x, shape, ts, { gradT: true, region }).gradT!;
      for (let b = 0; b < 2; b++) expect(Math.abs(gt[b]! - rt[b]!)).toBeLessThan(1e-4 * Math.abs(rt[b]!) + 1e-3);
    } finally {
      onnx.dispose();
      tfjs.dispose();
    }
  });

  it('tiled and whole-image onnx evaluations agree away from seams and at them, sample by sample', async () => {
    // The large photo path: one sample of one bounded tile per run. Each
    // tile's interior must equal the whole-image gradient everywhere (the
    // halo makes it exact; only float summation order may differ).
    const m = await resolveModel('grey-l1-dsm');
    const s: Shape4 = { n: 3, h: 150, w: 131, c: 1 };
    const x = image(21, s);
    const ts = [Math.log(0.03), Math.log(0.1), Math.log(0.2)];
    const whole = new OnnxPrior(m.architecture, m.parameters, { threads: 2, tile: 1024 });
    const tiled = new OnnxPrior(m.architecture, m.parameters, { threads: 2, tile: 48 });
    try {
      const ref = whole.evaluate(x, s, ts, { gradX: true, energy: true });
      const got = tiled.evaluate(x, s, ts, { gradX: true, energy: true });
      const scale = maxAbs(ref.gradX!);
      expect(scale).toBeGreaterThan(0.1);
      expect(maxAbsDiff(got.gradX!, ref.gradX!)).toBeLessThan(1e-6 * scale);
      for (let b = 0; b < 3; b++) expect(Math.abs(got.energy![b]! - ref.energy![b]!)).toBeLessThan(1e-6 * Math.abs(ref.energy![b]!));
      // One plane alone, handed over as a view into the batch, gives that plane's rows of the batch result.
      const per = s.h * s.w;
      const plane = tiled.evaluate(x.subarray(per, 2 * per), { ...s, n: 1 }, [ts[1]!], { gradX: true }).gradX!;
      expect(plane.length).toBe(per);
      expect(maxAbsDiff(plane, got.gradX!.subarray(per, 2 * per))).toBe(0);
      const wholePlane = whole.evaluate(x.subarray(per, 2 * per), { ...s, n: 1 }, [ts[1]!], { gradX: true }).gradX!;
      expect(maxAbsDiff(wholePlane, ref.gradX!.subarray(per, 2 * per))).toBe(0);
    } finally {
      whole.dispose();
      tiled.dispose();
    }
  });

  it('large planes keep one session at a time, with the same results', async () => {
    const m = await resolveModel('grey-l1-dsm');
    const s: Shape4 = { n: 2, h: 40, w: 50, c: 1 };
    const x = image(8, s);
    const ts = [Math.log(0.05), Math.log(0.15)];
    const all = new OnnxPrior(m.architecture, m.parameters, { threads: 2, tile: 32 });
    const one = new OnnxPrior(m.architecture, m.parameters, { threads: 2, tile: 32, oneSessionPixels: 40 * 50 });
    try {
      for (const want of [{ gradX: true }, { energy: true }, { gradX: true }, { gradT: true }, { energy: true }]) {
        const a = all.evaluate(x, s, ts, want);
        const b = one.evaluate(x, s, ts, want);
        if (want.gradX) expect(maxAbsDiff(b.gradX!, a.gradX!)).toBe(0);
        if ('energy' in want) expect(Array.from(b.energy!)).toEqual(Array.from(a.energy!));
        if ('gradT' in want) expect(Array.from(b.gradT!)).toEqual(Array.from(a.gradT!));
        expect(one.sessions).toBe(1);
      }
      expect(all.sessions).toBe(3);
      // A smaller plane on the same prior keeps what it loads (the energy session is still there).
      const small: Shape4 = { n: 1, h: 39, w: 50, c: 1 };
      one.evaluate(x.subarray(0, 39 * 50), small, [ts[0]!], { gradX: true });
      one.evaluate(x.subarray(0, 39 * 50), small, [ts[0]!], { gradT: true });
      expect(one.sessions).toBe(3);
    } finally {
      all.dispose();
      one.dispose();
    }
  });

  it('three layers, 5×5 first kernels, two input channels, and images too small for the graph', () => {
    const arch = foeArchitecture({ layers: 3, features: [6, 5, 4], inChannels: 2, firstKernel: 5, nz: 15, nt: 7, sigmaMin: 0.02, sigmaMax: 0.5 });
    const params = initialParameters(arch, 4);
    const r = mulberry(5);
    params.splines = params.splines.map((w) => w.map((v) => v + 0.3 * (r() * 2 - 1)));
    params.kernels = params.kernels.map((k) => k.map((v) => v + 0.05 * (r() * 2 - 1)));
    const tfjs = new FoEPrior(arch, params);
    const onnx = new OnnxPrior(arch, params, { threads: 2 });
    try {
      for (const s of [{ n: 1, h: 29, w: 34, c: 2 }, { n: 2, h: 4, w: 9, c: 2 }] satisfies Shape4[]) {
        const x = image(2, s);
        const ts = new Array(s.n).fill(Math.log(0.07));
        const ref = tfjs.evaluate(x, s, ts, { gradX: true, energy: true, gradT: true });
        const got = onnx.evaluate(x, s, ts, { gradX: true, energy: true, gradT: true });
        expect(maxAbsDiff(got.gradX!, ref.gradX!)).toBeLessThan(2e-5 * maxAbs(ref.gradX!));
        expect(Math.abs(got.energy![0]! - ref.energy![0]!)).toBeLessThan(1e-5 * Math.abs(ref.energy![0]!) + 1e-3);
        expect(Math.abs(got.gradT![0]! - ref.gradT![0]!)).toBeLessThan(1e-5 * Math.abs(ref.gradT![0]!) + 1e-3);
      }
    } finally {
      onnx.dispose();
      tfjs.dispose();
    }
  });

  it('a disposed prior refuses to run', async () => {
    const m = await resolveModel('grey-l1-dsm');
    const onnx = new OnnxPrior(m.architecture, m.parameters, { threads: 1 });
    onnx.dispose();
    expect(() => onnx.evaluate(image(1, shape), shape, [-3, -3], { gradX: true })).toThrow(/closed/);
  });
});

describe.skipIf(!ort.ok)(suite('solver runs on onnx and tfjs agree'), () => {
  beforeAll(() => useBackend('wasm'));

  const shape: Shape4 = { n: 1, h: 67, w: 45, c: 1 };

  function clean(): Float32Array {
    const x = new Float32Array(shape.h * shape.w);
    for (let y = 0; y < shape.h; y++) for (let k = 0; k < shape.w; k++) x[y * shape.w + k] = (Math.floor(y / 9) + Math.floor(k / 7)) % 2 ? 0.75 : 0.25;
    return x;
  }

  it.each([
    ['grey-l1-dsm', 'denoise'],
    ['grey-l2-dsm', 'denoise'],
    ['grey-l2-dsm', 'inpaint'],
  ])('%s %s: same image within 1e-3, same PSNR within 0.01 dB', async (name, task) => {
    const m = await resolveModel(name);
    const truth = clean();
    const r = mulberry(9);
    let data;
    let sigmas: number[];
    if (task === 'denoise') {
      const noisy = truth.map((v) => v + (25 / 255) * Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()));
      data = () => new DenoisingTerm(noisy, 25 / 255);
      sigmas = Array.from(sigmaSchedule(0.2, 0.02, 5, 'log'));
    } else {
      const mask = truth.map(() => (r() < 0.5 ? 1 : 0));
      data = () => new InpaintingTerm(truth.map((v, i) => v * mask[i]!), mask, 1, 1);
      sigmas = Array.from(sigmaSchedule(0.4, 0.01, 12, 'log'));
    }
    const tfjs = new FoEPrior(m.architecture, m.parameters);
    const onnx = new OnnxPrior(m.architecture, m.parameters, { threads: 2, tile: 32 });
    try {
      const run = (prior: TiledPrior | OnnxPrior) =>
        proximalSteps({ prior, data: data(), shape, reference: truth }, sigmas, sigmas.map(() => 1), { traceEnergy: true }, 'gnc');
      const a = run(new TiledPrior(tfjs, { tile: 32 }));
      const b = run(onnx);
      expect(maxAbsDiff(a.x, b.x)).toBeLessThan(1e-3);
      expect(Math.abs(psnr(a.x, truth) - psnr(b.x, truth))).toBeLessThan(0.01);
      a.trace.forEach((s, i) => expect(Math.abs(b.trace[i]!.energy! - s.energy!)).toBeLessThan(1e-4 * Math.abs(s.energy!) + 1e-2));
      expect(psnr(b.x, truth)).toBeGreaterThan(psnr(data().initial(), truth));
    } finally {
      onnx.dispose();
      tfjs.dispose();
    }
  });
});

describe.skipIf(!ort.ok)(suite('joint optimisation on onnx and tfjs agree'), () => {
  beforeAll(() => useBackend('wasm'));

  it('starter-dct-gsm (trained along t): same image and σ path', async () => {
    const m = await resolveModel('starter-dct-gsm');
    const shape: Shape4 = { n: 1, h: 41, w: 37, c: 1 };
    const truth = image(4, shape, 0);
    const r = mulberry(6);
    const noisy = truth.map((v) => v + 0.1 * (r() * 2 - 1));
    const tfjs = new FoEPrior(m.architecture, m.parameters);
    const onnx = new OnnxPrior(m.architecture, m.parameters, { threads: 2 });
    try {
      const run = (prior: TiledPrior | OnnxPrior) =>
        solveJoint({ prior, data: new DenoisingTerm(noisy, 0.06), shape, reference: truth }, { steps: 6, sigma0: 0.2, tStep: 3, traceEnergy: false });
      const a = run(new TiledPrior(tfjs));
      const b = run(onnx);
      expect(maxAbsDiff(a.x, b.x)).toBeLessThan(1e-3);
      a.trace.forEach((s, i) => expect(Math.abs(b.trace[i]!.sigma - s.sigma)).toBeLessThan(1e-4 * s.sigma));
      expect(Math.abs(psnr(a.x, truth) - psnr(b.x, truth))).toBeLessThan(0.01);
    } finally {
      onnx.dispose();
      tfjs.dispose();
    }
  });
});
