import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../../src/engine/tf.js';
import { scoreGradient, splineOpT, type PriorTensors } from '../../src/vn/vn-ops.js';
import { unrolled, learnSchedule } from '../../src/vn/learn-schedule.js';
import { checkSchedule, loadSchedule, pickSchedule, saveSchedule, SCHEDULE_FORMAT, type VnSchedule } from '../../src/vn/schedule-file.js';
import { levelDistance, scheduleLevelWarning } from '../../src/vn/schedule-level.js';
import { FoEPrior } from '../../src/prior/foe.js';
import { resolveModel } from '../../src/prior/registry.js';
import { restore } from '../../src/restore/restore.js';
import { writeImage } from '../../src/image/io.js';
import { addGaussianNoise } from '../../src/image/noise.js';
import { randomPrior } from '../helpers/priors.js';
import { mulberry } from '../helpers/random.js';
import { syntheticImage, tempDir } from '../helpers/fixtures.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

function tensorsOf(prior: FoEPrior): PriorTensors {
  const { arch, params } = prior;
  return {
    arch,
    kernels: params.kernels.map((k, l) => tf.tensor4d(k, [arch.layers[l]!.kernelSize, arch.layers[l]!.kernelSize, l === 0 ? 1 : arch.layers[l - 1]!.features, arch.layers[l]!.features])),
    splines: params.splines.map((w, l) => tf.tensor(w, [arch.layers[l]!.features, arch.layers[l]!.spline.nz, arch.layers[l]!.spline.nt])),
  };
}

function image(seed: number, n: number): Float32Array {
  const r = mulberry(seed);
  return Float32Array.from({ length: n }, (_, i) => 0.5 + 0.25 * Math.sin(i * 0.37 + seed) + 0.1 * (r() - 0.5));
}

const tmp = tempDir('gnc-vn-');
afterAll(() => tmp.cleanup());

describe.each(TEST_BACKENDS)('VN building blocks on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([1, 2])('scoreGradient equals the prior’s own ∇ₓR (L = %i)', (L) => {
    const prior = randomPrior(L, 20 + L, 4);
    const shape = { n: 1, h: 14, w: 13, c: 1 };
    const x = image(L, 14 * 13);
    const t = Math.log(0.1);
    const expected = prior.evaluate(x, shape, [t], { gradX: true }).gradX!;
    const got = tf.tidy(() => scoreGradient(tensorsOf(prior), tf.tensor4d(x, [1, 14, 13, 1]), tf.scalar(t)).dataSync());
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < x.length; i++) {
      worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
      scale = Math.max(scale, Math.abs(expected[i]!));
    }
    expect(worst).toBeLessThan(1e-4 * scale + 1e-6);
    prior.dispose();
  });

  it('splineOpT’s t-gradient matches central differences', () => {
    const prior = randomPrior(1, 3, 3);
    const grid = prior.arch.layers[0]!.spline;
    const w = tf.tensor(prior.params.splines[0]!, [3, grid.nz, grid.nt]);
    const z = tf.tensor4d(Float32Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => 0.3 * Math.sin(i)), [2, 5, 5, 3]);
    const probe = tf.tensor4d(Float32Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.cos(i * 0.7)), [2, 5, 5, 3]);
    const f = (t: tf.Scalar) => tf.sum(tf.mul(splineOpT(z, w, grid, t, 1, 0), probe)) as tf.Scalar;
    const t0 = Math.log(0.08);
    const analytic = tf.grad(f as (x: tf.Tensor) => tf.Tensor)(tf.scalar(t0)).dataSync()[0]!;
    const h = 1e-2;
    const numeric = (f(tf.scalar(t0 + h)).dataSync()[0]! - f(tf.scalar(t0 - h)).dataSync()[0]!) / (2 * h);
    expect(analytic).toBeCloseTo(numeric, 2);
    expect(Math.abs(analytic - numeric)).toBeLessThan(2e-3 * Math.abs(numeric) + 1e-3);
    prior.dispose();
  });
});

describe('unrolled VN solver', () => {
  beforeAll(() => useBackend('cpu'));

  it('its gradients in every tᵢ and log λᵢ match central differences of the loss', () => {
    const prior = randomPrior(1, 5, 4);
    const tensors = tensorsOf(prior);
    const dims: [number, number, number, number] = [2, 10, 10, 1];
    const clean = image(3, 200);
    const z = Float32Array.from(clean, (v, i) => v + 0.1 * Math.sin(i * 1.7));
    const T = 3;
    const ts = tf.variable(tf.tensor1d([Math.log(0.2), Math.log(0.1), Math.log(0.05)]));
    const scales = tf.variable(tf.tensor1d([0.1, -0.2, 0]));
    const loss = () => tf.mean(tf.square(tf.sub(unrolled(tensors, 'denoise', tf.tensor4d(z, dims), tf.tensor4d(z, dims), 0.1, undefined, ts, scales, T), tf.tensor4d(clean, dims)))) as tf.Scalar;
    const { grads } = tf.variableGrads(loss, [ts, scales]);
    const analytic = [...grads[ts.name]!.dataSync(), ...grads[scales.name]!.dataSync()];
    const h = 1e-2;
    const numeric: number[] = [];
    for (const v of [ts, scales]) {
      const base = v.dataSync().slice();
      for (let i = 0; i < T; i++) {
        const plus = base.slice();
        plus[i]! += h;
        v.assign(tf.tensor1d(plus));
        const up = loss().dataSync()[0]!;
        const minus = base.slice();
        minus[i]! -= h;
        v.assign(tf.tensor1d(minus));
        const down = loss().dataSync()[0]!;
        v.assign(tf.tensor1d(base));
        numeric.push((up - down) / (2 * h));
      }
    }
    const scale = Math.max(...numeric.map(Math.abs));
    analytic.forEach((a, i) => expect(Math.abs(a - numeric[i]!)).toBeLessThan(0.02 * scale));
    prior.dispose();
  });
});

describe('unrolled VN solver, fine-tuning the prior', () => {
  beforeAll(() => useBackend('cpu'));

  it.each([1, 2])('its gradients in filter and spline weights match central differences of the loss (L = %i)', (L) => {
    const prior = randomPrior(L, 30 + L, 3);
    const { arch } = prior;
    const dims: [number, number, number, number] = [1, 9, 8, 1];
    const clean = image(5, 72);
    const z = Float32Array.from(clean, (v, i) => v + 0.1 * Math.sin(i * 2.3));
    const ts = tf.variable(tf.tensor1d([Math.log(0.15), Math.log(0.06)]));
    const scales = tf.variable(tf.tensor1d([0, -0.3]));
    const kernels = prior.params.kernels.map((k, l) => tf.variable(tf.tensor4d(k, [arch.layers[l]!.kernelSize, arch.layers[l]!.kernelSize, l === 0 ? 1 : arch.layers[l - 1]!.features, arch.layers[l]!.features])));
    const splines = prior.params.splines.map((w, l) => tf.variable(tf.tensor3d(w, [arch.layers[l]!.features, arch.layers[l]!.spline.nz, arch.layers[l]!.spline.nt])));
    const tensors: PriorTensors = { arch, kernels, splines };
    const loss = () => tf.tidy(() => tf.mean(tf.square(tf.sub(unrolled(tensors, 'denoise', tf.tensor4d(z, dims), tf.tensor4d(z, dims), 0.1, undefined, ts, scales, 2), tf.tensor4d(clean, dims)))) as tf.Scalar);
    const { grads } = tf.variableGrads(loss, [...kernels, ...splines]);
    const rng = mulberry(7 + L);
    for (const v of [...kernels, ...splines] as tf.Variable[]) {
      const g = grads[v.name]!.dataSync();
      const base = v.dataSync().slice();
      // The largest-gradient entry (so it is one the loss really depends on) and two random ones.
      let top = 0;
      for (let i = 1; i < g.length; i++) if (Math.abs(g[i]!) > Math.abs(g[top]!)) top = i;
      for (const i of [top, Math.floor(rng() * g.length), Math.floor(rng() * g.length)]) {
        const h = 1e-2 * Math.max(0.05, Math.abs(base[i]!));
        const at = (d: number) => {
          const w = base.slice();
          w[i]! += d;
          v.assign(tf.tensor(w, v.shape));
          return loss().dataSync()[0]!;
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(base, v.shape));
        expect(Math.abs(g[i]! - numeric), `${v.name}[${i}]`).toBeLessThan(0.03 * Math.abs(g[top]!) + 1e-7);
      }
    }
    prior.dispose();
  });
});

describe('schedule files', () => {
  const schedule = (over: Partial<VnSchedule> = {}): VnSchedule => ({
    format: SCHEDULE_FORMAT,
    version: 1,
    modelId: 'a'.repeat(64),
    modelName: 'm',
    task: 'denoise',
    level: 25,
    sigmas: [40, 20, 10],
    stepScales: [1, 0.9, 1.1],
    ...over,
  });

  it('round-trip, and name what is wrong in a bad one', async () => {
    const file = tmp.file('s.gncs');
    await saveSchedule(file, schedule());
    expect(loadSchedule(file)).toEqual(schedule());
    expect(() => checkSchedule(schedule({ version: 9 }))).toThrow(/version 9/);
    expect(() => checkSchedule(schedule({ sigmas: [1, -2, 3] }))).toThrow(/sigmas\[1\]/);
    expect(() => checkSchedule(schedule({ stepScales: [1] }))).toThrow(/3 sigmas but 1 stepScales/);
    expect(() => checkSchedule(schedule({ task: 'inpaint', level: 25 }))).toThrow(/missing fraction/);
  });

  it('pick the nearest level for the model, and refuse a schedule of another model', async () => {
    const dir = tmp.file('schedules');
    mkdirSync(dir);
    for (const level of [15, 25, 50]) await saveSchedule(path.join(dir, `d${level}.gncs`), schedule({ level }));
    await saveSchedule(path.join(dir, 'other.gncs'), schedule({ level: 30, modelId: 'b'.repeat(64) }));
    const model = { id: 'a'.repeat(64), name: 'm' };
    expect(pickSchedule(model, 'denoise', 20, dir).schedule.level).toBe(25);
    expect(pickSchedule(model, 'denoise', 18, dir).schedule.level).toBe(15);
    expect(pickSchedule(model, 'denoise', 40, dir).schedule.level).toBe(50);
    // Noise above a schedule's level counts more than below it: 35 is nearer 25 in log σ but gets the σ 50 schedule; 30 keeps 25.
    expect(levelDistance('denoise', 25, 35)).toBeGreaterThan(levelDistance('denoise', 50, 35));
    expect(levelDistance('denoise', 25, 20)).toBeCloseTo(Math.log(25 / 20));
    expect(levelDistance('inpaint', 0.5, 0.8)).toBeCloseTo(0.3);
    expect(pickSchedule(model, 'denoise', 35, dir).schedule.level).toBe(50);
    expect(pickSchedule(model, 'denoise', 30, dir).schedule.level).toBe(25);
    expect(() => pickSchedule(model, 'inpaint', 0.5, dir)).toThrow(/No learned VN schedule for inpaint/);
    const real = await resolveModel('starter-dct-gsm');
    const clean = syntheticImage(24, 24, 1);
    expect(() =>
      restore({ task: 'denoise', image: clean, model: real, sigma: 0.1, settings: { method: 'vn' }, schedule: { file: 'd25.gncs', schedule: schedule() } }),
    ).toThrow(/learned for the model m .* not for starter-dct-gsm/);
  });

  it('warn when the noise is well above the level the schedule was learned for', async () => {
    expect(scheduleLevelWarning('denoise', 25, 28)).toBeUndefined();
    expect(scheduleLevelWarning('denoise', 25, 10)).toBeUndefined();
    expect(scheduleLevelWarning('inpaint', 0.5, 0.9)).toBeUndefined();
    expect(scheduleLevelWarning('denoise', 25, 50)).toMatch(/learned for noise σ 25 but the noise here is σ 50.*--sigma 50/);
    const model = await resolveModel('starter-dct-gsm');
    const own = { file: 'own-25.gncs', schedule: schedule({ modelId: model.id, modelName: model.metadata.name, level: 25 }) };
    const noisy = { ...syntheticImage(24, 24, 1), data: addGaussianNoise(syntheticImage(24, 24, 1).data, 50 / 255, 3) };
    const at = (sigma: number) => restore({ task: 'denoise', image: noisy, model, sigma: sigma / 255, settings: { method: 'vn' }, schedule: own }).schedule!;
    expect(at(50).warning).toMatch(/σ 25 but the noise here is σ 50/);
    expect(at(25)).toEqual({ file: 'own-25.gncs', level: 25, steps: own.schedule.sigmas.length });
  });
});

describe('learning a schedule', () => {
  beforeAll(() => useBackend('wasm'));

  it('learns, raises held-out PSNR over its GNC start, and resumes bit for bit from a checkpoint', async () => {
    const data = tmp.file('train');
    mkdirSync(data);
    for (let k = 0; k < 5; k++) await writeImage(path.join(data, `t${k}.png`), syntheticImage(100, 100, 1, { seed: k + 1 }));
    const model = await resolveModel('starter-dct-gsm');
    const common = { model, task: 'denoise' as const, level: 25, steps: 3, data, patch: 32, batch: 2, seed: 4, lr: 0.05, holdout: 1, sigma0: 40, sigmaMin: 20 };
    const full = await learnSchedule({ ...common, iterations: 8 });
    const checkpoint = tmp.file('half.ckpt.json');
    const controller = new AbortController();
    await expect(
      learnSchedule({ ...common, iterations: 8, checkpoint, signal: controller.signal, onProgress: (p) => p.iteration === 4 && controller.abort() }),
    ).rejects.toMatchObject({ kind: 'cancelled' });
    // A cancelled-then-resumed run equals the uninterrupted one.
    const resumed = await learnSchedule({ ...common, iterations: 8, checkpoint, resume: true });
    expect(resumed.schedule.sigmas).toEqual(full.schedule.sigmas);
    expect(resumed.schedule.stepScales).toEqual(full.schedule.stepScales);
    // The learned schedule denoises a held-out-style image better than its GNC start.
    const clean = syntheticImage(64, 64, 1, { seed: 9 });
    const noisy = { ...clean, data: addGaussianNoise(clean.data, 25 / 255, 3) };
    const start = restore({ task: 'denoise', image: noisy, model, sigma: 25 / 255, reference: clean, settings: { method: 'gnc', steps: 3, sigma0: 40 / 255, sigmaMin: 20 / 255 } });
    const vn = restore({ task: 'denoise', image: noisy, model, sigma: 25 / 255, reference: clean, settings: { method: 'vn' }, schedule: { file: 'learned', schedule: full.schedule } });
    expect(vn.schedule).toMatchObject({ level: 25, steps: 3 });
    expect(vn.psnr!).toBeGreaterThan(start.psnr!);
  });

  it('fine-tunes the prior with the schedule into a new model the schedule is bound to, and resumes it bit for bit', async () => {
    const data = tmp.file('train-ft');
    mkdirSync(data);
    for (let k = 0; k < 4; k++) await writeImage(path.join(data, `t${k}.png`), syntheticImage(80, 80, 1, { seed: k + 11 }));
    const model = await resolveModel('starter-dct-gsm');
    const common = { model, task: 'denoise' as const, level: 25, steps: 2, data, patch: 32, batch: 2, seed: 5, lr: 0.05, holdout: 1, sigma0: 40, sigmaMin: 20, finetune: true, priorLr: 1e-3 };
    const full = await learnSchedule({ ...common, iterations: 4 });
    expect(full.prior).toBeDefined();
    const tuned = full.prior!.parameters;
    const moved = (a: Float32Array[], b: Float32Array[]) => a.some((w, l) => w.some((v, i) => v !== b[l]![i]));
    expect(moved(tuned.kernels, model.parameters.kernels)).toBe(true);
    expect(moved(tuned.splines, model.parameters.splines)).toBe(true);
    expect(full.prior!.finetune).toMatchObject({ from: { id: model.id }, task: 'denoise', level: 25, steps: 2, iterations: 4 });
    // The caller's model is left as it was.
    expect((await resolveModel('starter-dct-gsm')).parameters.kernels[0]).toEqual(model.parameters.kernels[0]);

    const checkpoint = tmp.file('ft.ckpt.json');
    const controller = new AbortController();
    await expect(learnSchedule({ ...common, iterations: 4, checkpoint, signal: controller.signal, onProgress: (p) => p.iteration === 2 && controller.abort() })).rejects.toMatchObject({ kind: 'cancelled' });
    // A schedule-only resume of a fine-tuning checkpoint is refused: they are different runs.
    await expect(learnSchedule({ ...common, finetune: false, iterations: 4, checkpoint, resume: true })).rejects.toThrow(/belongs to another schedule run/);
    const resumed = await learnSchedule({ ...common, iterations: 4, checkpoint, resume: true });
    expect(resumed.schedule.sigmas).toEqual(full.schedule.sigmas);
    expect(resumed.prior!.parameters.kernels).toEqual(tuned.kernels);
    expect(resumed.prior!.parameters.splines).toEqual(tuned.splines);
  });

  it('--init starts from a learned schedule of the same model, task and length, and refuses any other', async () => {
    const data = tmp.file('train-init');
    mkdirSync(data);
    for (let k = 0; k < 3; k++) await writeImage(path.join(data, `t${k}.png`), syntheticImage(64, 64, 1, { seed: k + 31 }));
    const model = await resolveModel('starter-dct-gsm');
    const init = { sigmas: [33, 21, 12], stepScales: [1.5, 0.8, 0.6] };
    // A vanishing learning rate leaves the schedule where it started: the start is the given one, not the GNC flow's.
    const common = { model, task: 'denoise' as const, level: 25, steps: 3, data, patch: 32, batch: 2, seed: 6, lr: 1e-6, holdout: 1, iterations: 1 };
    const { schedule } = await learnSchedule({ ...common, init });
    schedule.sigmas.forEach((s, i) => expect(s).toBeCloseTo(init.sigmas[i]!, 2));
    schedule.stepScales.forEach((s, i) => expect(s).toBeCloseTo(init.stepScales[i]!, 4));
    expect(schedule.training).toMatchObject({ start: { sigmas: init.sigmas } });
    await expect(learnSchedule({ ...common, steps: 2, init })).rejects.toThrow(/starting schedule has 3 steps but 2 steps/);

    const from = tmp.file('init/start.gncs');
    const { main } = await import('../../src/cli/main.js');
    const argv = ['node', 'gnc', 'learn-schedule', '--model', 'starter-dct-gsm', '--task', 'denoise', '--sigma', '25', '--steps', '3', '--iterations', '1', '--patch', '32', '--batch', '2', '--holdout', '1', '--data', data, '--no-record', '--backend', 'wasm'];
    expect(await main([...argv, '--out', from])).toBe(0);
    const out = tmp.file('init/next.gncs');
    expect(await main([...argv, '--init', from, '--out', out])).toBe(0);
    expect(loadSchedule(out).training).toMatchObject({ start: { schedule: 'start.gncs' } });
    // Another model's schedule, or another task's, is refused by name.
    expect(await main([...argv.map((a) => (a === 'starter-dct-gsm' ? 'grey-l1-dsm' : a)), '--init', from, '--out', tmp.file('init/x.gncs')])).toBe(2);
    expect(await main(['node', 'gnc', 'learn-schedule', '--model', 'starter-dct-gsm', '--task', 'inpaint', '--missing', '0.5', '--steps', '3', '--iterations', '1', '--patch', '32', '--batch', '2', '--holdout', '1', '--data', data, '--no-record', '--backend', 'wasm', '--init', from, '--out', tmp.file('init/y.gncs')])).toBe(2);
  });

  it('gnc learn-schedule --finetune writes the tuned model and a schedule that only fits it', async () => {
    const data = tmp.file('train-ft-cli');
    mkdirSync(data);
    for (let k = 0; k < 3; k++) await writeImage(path.join(data, `t${k}.png`), syntheticImage(64, 64, 1, { seed: k + 21 }));
    const out = tmp.file('cli/ft.gncs');
    const argv = ['node', 'gnc', 'learn-schedule', '--model', 'grey-l1-dsm', '--task', 'denoise', '--sigma', '25', '--steps', '2', '--iterations', '2', '--patch', '32', '--batch', '2', '--holdout', '1', '--data', data, '--finetune', '--out', out, '--no-record', '--backend', 'wasm'];
    const { main } = await import('../../src/cli/main.js');
    expect(await main(argv)).toBe(0);
    const tunedModel = await resolveModel(tmp.file('cli/ft.gncm'));
    const schedule = loadSchedule(out);
    expect(schedule.modelId).toBe(tunedModel.id);
    expect(tunedModel.metadata.name).toBe('grey-l1-dsm-vn-denoise-25');
    expect(tunedModel.metadata.finetune).toMatchObject({ from: { name: 'grey-l1-dsm' }, task: 'denoise', level: 25 });
    const original = await resolveModel('grey-l1-dsm');
    expect(tunedModel.id).not.toBe(original.id);
    // A new model: created now, and without the base's measured figures, which are not its own.
    expect(original.metadata.figures).toBeDefined();
    expect(tunedModel.metadata.figures).toBeUndefined();
    expect(Date.parse(tunedModel.metadata.created as string)).toBeGreaterThan(Date.parse(original.metadata.created as string));
    expect(tunedModel.metadata.defaults).toEqual(original.metadata.defaults);
    const clean = syntheticImage(24, 24, 1);
    const noisy = { ...clean, data: addGaussianNoise(clean.data, 25 / 255, 1) };
    expect(() => restore({ task: 'denoise', image: noisy, model: original, sigma: 25 / 255, settings: { method: 'vn' }, schedule: { file: out, schedule } })).toThrow(/learned for the model grey-l1-dsm-vn-denoise-25/);
    const vn = restore({ task: 'denoise', image: noisy, model: tunedModel, sigma: 25 / 255, reference: clean, settings: { method: 'vn' }, schedule: { file: out, schedule } });
    expect(vn.psnr!).toBeGreaterThan(20);
    // --out-model without --finetune is refused by name.
    expect(await main([...argv.filter((a) => a !== '--finetune'), '--out-model', tmp.file('cli/x.gncm')])).toBe(2);
  });
});
