/**
 * The device-resident prior and solver (src/tensor) against the engine's
 * FoEPrior and proximalSteps, on every tfjs backend that loads here: they
 * must agree to float precision, since the WebGPU path runs this code.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { TensorFoE } from '../../src/tensor/foe-tensor.js';
import { TensorDenoisingTerm, TensorInpaintingTerm, proximalStepsTensor } from '../../src/tensor/flow-tensor.js';
import { FoEPrior } from '../../src/prior/foe.js';
import { loadModelFile } from '../../src/prior/model-file.js';
import { DenoisingTerm, InpaintingTerm } from '../../src/solve/data-terms.js';
import { proximalSteps } from '../../src/solve/gnc-flow.js';
import { sigmaSchedule } from '../../src/solve/schedule.js';
import { addGaussianNoise } from '../../src/image/noise.js';
import type { Shape4 } from '../../src/prior/conv.js';
import { randomPrior } from '../helpers/priors.js';
import { syntheticImage } from '../helpers/fixtures.js';
import { mulberry } from '../helpers/random.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function image(seed: number, s: Shape4): Float32Array {
  const r = mulberry(seed);
  const out = new Float32Array(s.n * s.h * s.w * s.c);
  for (let i = 0; i < out.length; i++) {
    const x = (i / s.c) % s.w;
    const y = Math.floor(i / s.c / s.w) % s.h;
    out[i] = 0.5 + 0.3 * Math.sin(x * 0.7 + seed) * Math.cos(y * 0.5) + 0.2 * (r() - 0.5);
  }
  return out;
}

const shape: Shape4 = { n: 2, h: 13, w: 11, c: 1 };
const ts = [Math.log(0.05), Math.log(0.3)];
const models = path.resolve('resources/models');

describe.each(TEST_BACKENDS)('device-resident FoE prior on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([1, 2, 3])('∇ₓR and R equal FoEPrior’s (L = %i, two samples with their own σ)', (L) => {
    const reference = randomPrior(L, 20 + L);
    const prior = new TensorFoE(reference.arch, reference.params);
    const x = image(L, shape);
    const want = reference.evaluate(x, shape, ts, { gradX: true, energy: true });
    const before = tf.memory().numTensors;
    const xt = tf.tensor4d(x, [shape.n, shape.h, shape.w, shape.c]);
    const got = prior.evaluate(xt, ts, { gradX: true, energy: true });
    const gradX = got.gradX!.dataSync();
    const energy = got.energy!.dataSync();
    tf.dispose([xt, got.gradX!, got.energy!]);
    expect(tf.memory().numTensors).toBe(before);
    const scale = maxAbs(want.gradX!);
    expect(scale).toBeGreaterThan(0);
    expect(maxAbsDiff(gradX, want.gradX!)).toBeLessThan(1e-4 * scale + 1e-6);
    for (let b = 0; b < shape.n; b++) expect(Math.abs(energy[b]! - want.energy![b]!)).toBeLessThan(1e-4 * Math.abs(want.energy![b]!) + 1e-3);
    prior.dispose();
    reference.dispose();
  });

  it.each(['grey-l1-dsm', 'grey-l2-dsm'])('the shipped %s gives FoEPrior’s gradient on a 40×36 photo crop', async (name) => {
    const model = await loadModelFile(path.join(models, `${name}.gncm`));
    const reference = new FoEPrior(model.architecture, model.parameters);
    const prior = new TensorFoE(model.architecture, model.parameters);
    const s: Shape4 = { n: 1, h: 36, w: 40, c: 1 };
    const clean = syntheticImage(s.w, s.h, 1, { seed: 3 }).data;
    const x = addGaussianNoise(clean, 25 / 255, 7);
    for (const sigma of [0.01, 0.1, 0.4]) {
      const want = reference.evaluate(x, s, [Math.log(sigma)], { gradX: true }).gradX!;
      const got = tf.tidy(() => prior.evaluate(tf.tensor4d(x, [1, s.h, s.w, 1]), [Math.log(sigma)], { gradX: true }).gradX!.dataSync());
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-4 * maxAbs(want) + 1e-6);
    }
    prior.dispose();
    reference.dispose();
  });

  it('a GNC flow denoising on tensors ends where proximalSteps on FoEPrior ends', async () => {
    const model = await loadModelFile(path.join(models, 'grey-l1-dsm.gncm'));
    const reference = new FoEPrior(model.architecture, model.parameters);
    const prior = new TensorFoE(model.architecture, model.parameters);
    const s: Shape4 = { n: 1, h: 32, w: 32, c: 1 };
    const clean = syntheticImage(s.w, s.h, 1, { seed: 5 }).data;
    const noisy = addGaussianNoise(clean, 25 / 255, 11);
    const sigmas = Array.from(sigmaSchedule(0.4, 0.02, 6, 'log'));
    const scales = sigmas.map(() => 1);
    const want = proximalSteps({ prior: reference, data: new DenoisingTerm(noisy, 25 / 255), shape: s }, sigmas, scales, { traceEnergy: false }, 'gnc').x;
    const before = tf.memory().numTensors;
    const z = tf.tensor4d(noisy, [1, s.h, s.w, 1]);
    const data = new TensorDenoisingTerm(z, 25 / 255);
    z.dispose();
    const steps: number[] = [];
    const x = await proximalStepsTensor(prior, data, sigmas, scales, { onStep: (i) => steps.push(i) });
    const got = x.dataSync();
    x.dispose();
    data.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    // The flow really moved (it is not the input), and both paths agree.
    expect(maxAbsDiff(want, noisy)).toBeGreaterThan(0.05);
    expect(maxAbsDiff(got, want)).toBeLessThan(2e-4);
    prior.dispose();
    reference.dispose();
  });

  it('inpainting on tensors matches InpaintingTerm: start fill, prox and a few steps', async () => {
    const reference = randomPrior(1, 31);
    const prior = new TensorFoE(reference.arch, reference.params);
    const s: Shape4 = { n: 1, h: 16, w: 16, c: 1 };
    const z = image(9, s);
    const r = mulberry(4);
    const mask = Float32Array.from(z, () => (r() < 0.6 ? 1 : 0));
    for (let i = 0; i < z.length; i++) if (!mask[i]) z[i] = 0;
    const cpu = new InpaintingTerm(z, mask);
    const data = new TensorInpaintingTerm(tf.tensor4d(z, [1, s.h, s.w, 1]), tf.tensor4d(mask, [1, s.h, s.w, 1]));
    const start = data.initial();
    expect(maxAbsDiff(start.dataSync(), cpu.initial())).toBeLessThan(1e-6);
    start.dispose();
    const sigmas = [0.3, 0.1, 0.03];
    const want = proximalSteps({ prior: reference, data: cpu, shape: s }, sigmas, [1, 1, 1], { traceEnergy: false }, 'gnc').x;
    const x = await proximalStepsTensor(prior, data, sigmas, [1, 1, 1]);
    expect(maxAbsDiff(x.dataSync(), want)).toBeLessThan(1e-4);
    x.dispose();
    data.dispose();
    prior.dispose();
    reference.dispose();
  });

  it('cancels between steps and frees what it held', async () => {
    const reference = randomPrior(1, 3);
    const prior = new TensorFoE(reference.arch, reference.params);
    const before = tf.memory().numTensors;
    const z = tf.fill([1, 12, 12, 1], 0.5) as tf.Tensor4D;
    const data = new TensorDenoisingTerm(z, 0.1);
    z.dispose();
    const controller = new AbortController();
    const run = proximalStepsTensor(prior, data, [0.3, 0.2, 0.1, 0.05], [1, 1, 1, 1], {
      signal: controller.signal,
      onStep: (i) => {
        if (i === 2) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ kind: 'cancelled' });
    data.dispose();
    expect(tf.memory().numTensors).toBe(before);
    prior.dispose();
    reference.dispose();
  });
});

describe('device-resident FoE prior: arguments', () => {
  it('names what is wrong with the input', () => {
    const reference = randomPrior(1, 2);
    const prior = new TensorFoE(reference.arch, reference.params);
    const x = tf.zeros([1, 10, 10, 3]) as tf.Tensor4D;
    expect(() => prior.evaluate(x, [0], { gradX: true })).toThrow(/3 channels but the prior expects 1/);
    const y = tf.zeros([2, 10, 10, 1]) as tf.Tensor4D;
    expect(() => prior.evaluate(y, [0], { gradX: true })).toThrow(/one t per sample \(2\)/);
    tf.dispose([x, y]);
    prior.dispose();
    reference.dispose();
  });
});
