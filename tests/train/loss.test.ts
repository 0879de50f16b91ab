import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/engine/tf.js';
import { scoreMatchingLoss, tTaper, type ScoreMatchingBatch, type TrainableFoE } from '../../src/train/loss.js';
import { convK, convKT, filterGradient } from '../../src/train/tf-ops.js';
import { FoEPrior, type FoEParameters } from '../../src/prior/foe.js';
import { foeArchitecture, initialParameters } from '../../src/prior/factory.js';
import { mulberry, randomArray } from '../helpers/random.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

function perturbedParameters(layers: number, seed: number) {
  const arch = foeArchitecture({ layers, features: 4, nz: 13, nt: 7, sigmaMin: 0.02, sigmaMax: 0.5 });
  const params = initialParameters(arch, seed);
  const rnd = mulberry(seed + 7);
  params.splines = params.splines.map((w) => w.map((v) => v + 0.2 * (rnd() * 2 - 1)));
  params.kernels = params.kernels.map((k) => k.map((v) => v + 0.05 * (rnd() * 2 - 1)));
  return { arch, params };
}

function trainable(arch: TrainableFoE['arch'], params: FoEParameters): TrainableFoE {
  const shapes = params.kernels.map((_, l) => arch.layers[l]!);
  return {
    arch,
    kernels: params.kernels.map((k, l) => tf.variable(tf.tensor4d(k, [shapes[l]!.kernelSize, shapes[l]!.kernelSize, l === 0 ? arch.inChannels : arch.layers[l - 1]!.features, shapes[l]!.features]))),
    splines: params.splines.map((w, l) => tf.variable(tf.tensor3d(w, [arch.layers[l]!.features, arch.layers[l]!.spline.nz, arch.layers[l]!.spline.nt]))),
  };
}

function batchFor(seed: number): ScoreMatchingBatch {
  const shape = { n: 2, h: 9, w: 10, c: 1 };
  const size = 2 * 9 * 10;
  const rnd = mulberry(seed);
  const clean = Float32Array.from({ length: size }, (_, i) => 0.5 + 0.3 * Math.sin(i * 0.37) + 0.05 * rnd());
  const noise = randomArray(seed + 1, size);
  return { clean, noise, ts: [Math.log(0.05), Math.log(0.2)], shape };
}

describe('t-taper', () => {
  it('vanishes at both ends of the range and its derivative is exact', () => {
    expect(tTaper(-4, -4, -1).w).toBe(0);
    expect(tTaper(-1, -4, -1).w).toBe(0);
    expect(tTaper(-2.5, -4, -1).w).toBeCloseTo(1, 12);
    for (const t of [-3.7, -2.9, -1.2]) {
      const fd = (tTaper(t + 1e-6, -4, -1).w - tTaper(t - 1e-6, -4, -1).w) / 2e-6;
      expect(tTaper(t, -4, -1).dw).toBeCloseTo(fd, 6);
    }
  });
});

describe.each(TEST_BACKENDS)('training ops and loss on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('filter gradients of K and Kᵀ match ⟨K(W)x, d⟩ differentiated by hand', () => {
    const x = tf.tensor4d(randomArray(1, 2 * 8 * 7 * 3), [2, 8, 7, 3]);
    const W = tf.variable(tf.tensor4d(randomArray(2, 3 * 3 * 3 * 5), [3, 3, 3, 5]));
    const d = tf.tensor4d(randomArray(3, 2 * 8 * 7 * 5), [2, 8, 7, 5]);
    const V = tf.tensor4d(randomArray(4, 3 * 3 * 3 * 5), [3, 3, 3, 5]);
    // Both ⟨Kx, d⟩ and ⟨x, Kᵀd⟩ are linear in W: their W-gradients must agree, and equal the FD slope.
    const g1 = tf.variableGrads(() => tf.sum(tf.mul(convK(x, W as unknown as tf.Tensor4D), d)) as tf.Scalar, [W]).grads[W.name]!;
    const g2 = tf.variableGrads(() => tf.sum(tf.mul(x, convKT(d, W as unknown as tf.Tensor4D))) as tf.Scalar, [W]).grads[W.name]!;
    const diff = tf.max(tf.abs(tf.sub(g1, g2))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-3);
    const slope = tf.sum(tf.mul(g1, V)).dataSync()[0]!;
    const at = (s: number) => tf.tidy(() => tf.sum(tf.mul(convK(x, tf.add(W, tf.mul(s, V)) as tf.Tensor4D), d)).dataSync()[0]!);
    expect(at(1) - at(0)).toBeCloseTo(slope, 2);
    expect(filterGradient(tf.zeros([1, 5, 5, 2]), tf.ones([1, 3, 3, 4])).shape).toEqual([3, 3, 2, 4]);
  });

  it.each([1, 2, 3])('the loss graph reproduces the prior’s score and ∂ₜR (L = %i)', (L) => {
    const { arch, params } = perturbedParameters(L, L);
    const batch = batchFor(10 + L);
    const prior = new FoEPrior(arch, params);
    const y = batch.clean.map((v, i) => v + Math.exp(batch.ts[Math.floor(i / 90)]!) * batch.noise[i]!);
    const ref = prior.evaluate(y, batch.shape, batch.ts, { gradX: true, gradT: true });
    // DSM term from the reference score.
    let dsm = 0;
    for (let i = 0; i < y.length; i++) {
      const r = Math.exp(batch.ts[Math.floor(i / 90)]!) * ref.gradX![i]! - batch.noise[i]!;
      dsm += 0.5 * r * r;
    }
    const model = trainable(arch, params);
    const terms = scoreMatchingLoss(model, batch, 1);
    expect(terms.dsm.dataSync()[0]!).toBeCloseTo(dsm / y.length, 4);
    // t-term: ½(∂tR)² − ∂²tR with ∂²tR by central differences of the reference ∂tR.
    const h = 1e-3;
    const up = prior.evaluate(y, batch.shape, batch.ts.map((t) => t + h), { gradT: true }).gradT!;
    const dn = prior.evaluate(y, batch.shape, batch.ts.map((t) => t - h), { gradT: true }).gradT!;
    let tTerm = 0;
    let tapered = 0;
    const range = { tMin: Math.log(0.02), tMax: Math.log(0.5) };
    for (let b = 0; b < 2; b++) {
      const d2 = (up[b]! - dn[b]!) / (2 * h);
      tTerm += 0.5 * ref.gradT![b]! ** 2 - d2;
      const { w, dw } = tTaper(batch.ts[b]!, range.tMin, range.tMax);
      tapered += w * (0.5 * ref.gradT![b]! ** 2 - d2) - dw * ref.gradT![b]!;
    }
    const got = terms.tTerm.dataSync()[0]! * y.length;
    expect(Math.abs(got - tTerm)).toBeLessThan(2e-3 * Math.abs(tTerm) + 2e-2);
    const gotTapered = scoreMatchingLoss(model, { ...batch, tRange: range }, 1).tTerm.dataSync()[0]! * y.length;
    expect(Math.abs(gotTapered - tapered)).toBeLessThan(2e-3 * Math.abs(tapered) + 2e-2);
    prior.dispose();
  });

  it.each([1, 2, 3])('its gradient in every filter and spline weight matches finite differences (L = %i)', (L) => {
    const { arch, params } = perturbedParameters(L, 20 + L);
    const batch = batchFor(30 + L);
    const model = trainable(arch, params);
    const vars = [...model.kernels, ...model.splines];
    // Tapered t-term, as training uses it.
    batch.tRange = { tMin: Math.log(0.02), tMax: Math.log(0.5) };
    const { value, grads } = tf.variableGrads(() => scoreMatchingLoss(model, batch, 0.5).total, vars);
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    const rnd = mulberry(40 + L);
    // Along the gradient plus a random part: the slope is then far above float32 noise.
    const raw = vars.map((v) => tf.add(grads[v.name]!, tf.tensor(Float32Array.from({ length: v.size }, () => 0.1 * (rnd() * 2 - 1)), v.shape)));
    // Scaled to RMS 0.5 per entry so ε·V stays small whatever the gradient's size.
    const count = vars.reduce((n, v) => n + v.size, 0);
    const norm = Math.sqrt(raw.reduce((s, d) => s + tf.sum(tf.square(d)).dataSync()[0]!, 0));
    const dirs = raw.map((d) => tf.mul(d, (0.5 * Math.sqrt(count)) / norm));
    let slope = 0;
    vars.forEach((v, i) => (slope += tf.sum(tf.mul(grads[v.name]!, dirs[i]!)).dataSync()[0]!));
    const lossAt = (eps: number) => {
      const shifted: TrainableFoE = {
        arch,
        kernels: model.kernels.map((k, i) => tf.variable(tf.add(k, tf.mul(eps, dirs[i]!)))),
        splines: model.splines.map((s, i) => tf.variable(tf.add(s, tf.mul(eps, dirs[model.kernels.length + i]!)))),
      };
      return scoreMatchingLoss(shifted, batch, 0.5).total.dataSync()[0]!;
    };
    // Along the gradient the loss curves strongly: a small ε keeps the O(ε²) error below the tolerance.
    const eps = 5e-4;
    const fd = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
    expect(Math.abs(slope)).toBeGreaterThan(1e-2);
    expect(Math.abs(fd - slope)).toBeLessThan(2e-2 * Math.abs(slope) + 2e-3);
  });
});
