import { describe, expect, it, beforeAll } from 'vitest';
import { FoEPrior } from '../../src/prior/foe.js';
import { foeArchitecture, initialParameters } from '../../src/prior/factory.js';
import { mulberry, randomArray } from '../helpers/random.js';
import { randomPrior } from '../helpers/priors.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import type { Shape4 } from '../../src/prior/conv.js';

function smoothImage(seed: number, s: Shape4): Float32Array {
  const r = mulberry(seed);
  const out = new Float32Array(s.n * s.h * s.w * s.c);
  for (let i = 0; i < out.length; i++) {
    const x = (i / s.c) % s.w;
    const y = Math.floor(i / s.c / s.w) % s.h;
    out[i] = 0.5 + 0.3 * Math.sin(x * 0.7 + seed) * Math.cos(y * 0.5) + 0.1 * (r() - 0.5);
  }
  return out;
}

const shape: Shape4 = { n: 2, h: 12, w: 11, c: 1 };
const ts = [Math.log(0.05), Math.log(0.2)];

describe.each(TEST_BACKENDS)('extended FoE prior on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([1, 2, 3])('∇ₓR matches central differences of R (L = %i)', (L) => {
    const prior = randomPrior(L, L);
    const x = smoothImage(1, shape);
    const { gradX, energy } = prior.evaluate(x, shape, ts, { gradX: true, energy: true });
    expect(energy!.every(Number.isFinite)).toBe(true);
    for (const seed of [1, 2, 3]) {
      const v = randomArray(10 + seed, x.length);
      const eps = 1e-3;
      const plus = prior.evaluate(x.map((xi, i) => xi + eps * v[i]!), shape, ts, { energy: true }).energy!;
      const minus = prior.evaluate(x.map((xi, i) => xi - eps * v[i]!), shape, ts, { energy: true }).energy!;
      const fd = (plus[0]! + plus[1]! - minus[0]! - minus[1]!) / (2 * eps);
      let analytic = 0;
      for (let i = 0; i < x.length; i++) analytic += gradX![i]! * v[i]!;
      expect(Math.abs(fd - analytic)).toBeLessThan(2e-3 * Math.abs(analytic) + 2e-3);
    }
    prior.dispose();
  });

  it.each([1, 2, 3])('∂ₜR matches central differences of R in t (L = %i)', (L) => {
    const prior = randomPrior(L, 10 + L);
    const x = smoothImage(2, shape);
    const { gradT } = prior.evaluate(x, shape, ts, { gradT: true });
    const h = 1e-3;
    const plus = prior.evaluate(x, shape, ts.map((t) => t + h), { energy: true }).energy!;
    const minus = prior.evaluate(x, shape, ts.map((t) => t - h), { energy: true }).energy!;
    for (let b = 0; b < shape.n; b++) {
      const fd = (plus[b]! - minus[b]!) / (2 * h);
      expect(Math.abs(fd - gradT![b]!)).toBeLessThan(5e-3 * Math.abs(fd) + 5e-3);
    }
    prior.dispose();
  });

  it('gives each sample its own energy (batching does not mix samples)', () => {
    const prior = randomPrior(2, 5);
    const x = smoothImage(3, shape);
    const both = prior.evaluate(x, shape, ts, { energy: true, gradT: true });
    const half = x.length / 2;
    const one: Shape4 = { ...shape, n: 1 };
    const second = prior.evaluate(x.subarray(half), one, [ts[1]!], { energy: true, gradT: true });
    expect(both.energy![1]).toBeCloseTo(second.energy![0]!, 3);
    expect(both.gradT![1]).toBeCloseTo(second.gradT![0]!, 3);
    prior.dispose();
  });

  it('initialises as a quadratic potential on DCT features: R(x) = ½‖K₁x‖² for L = 1', () => {
    const arch = foeArchitecture({ layers: 1, features: 8, nz: 21, nt: 6 });
    const prior = new FoEPrior(arch, initialParameters(arch));
    const s: Shape4 = { n: 1, h: 9, w: 9, c: 1 };
    const x = smoothImage(4, s).map((v) => v * 0.3);
    const { energy, gradX } = prior.evaluate(x, s, [Math.log(0.1)], { energy: true, gradX: true });
    // R = ½‖Kx‖², so ⟨∇R, x⟩ = 2R.
    let xg = 0;
    for (let i = 0; i < x.length; i++) xg += x[i]! * gradX![i]!;
    expect(xg).toBeCloseTo(2 * energy![0]!, 2);
    // DCT atoms have zero mean: constants carry no energy.
    const flat = prior.evaluate(new Float32Array(81).fill(0.7), s, [Math.log(0.1)], { energy: true, gradX: true });
    expect(Math.abs(flat.energy![0]!)).toBeLessThan(1e-3);
    prior.dispose();
  });
});

describe('backend agreement', () => {
  it.each([1, 2, 3])('energies, ∇ₓR and ∂ₜR agree on wasm and cpu (L = %i)', async (L) => {
    const x = smoothImage(5, shape);
    const results = [];
    for (const backend of TEST_BACKENDS) {
      await useBackend(backend);
      const prior = randomPrior(L, 20 + L);
      results.push(prior.evaluate(x, shape, ts, { energy: true, gradX: true, gradT: true }));
      prior.dispose();
    }
    const [a, b] = results as [NonNullable<(typeof results)[0]>, NonNullable<(typeof results)[0]>];
    for (let i = 0; i < shape.n; i++) {
      expect(Math.abs(a.energy![i]! - b.energy![i]!)).toBeLessThan(1e-4 * Math.abs(a.energy![i]!) + 1e-4);
      expect(Math.abs(a.gradT![i]! - b.gradT![i]!)).toBeLessThan(1e-4 * Math.abs(a.gradT![i]!) + 1e-4);
    }
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < a.gradX!.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a.gradX![i]! - b.gradX![i]!));
      maxAbs = Math.max(maxAbs, Math.abs(a.gradX![i]!));
    }
    expect(maxDiff).toBeLessThan(1e-4 * maxAbs + 1e-5);
  });
});
