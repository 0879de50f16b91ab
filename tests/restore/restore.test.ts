import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend.js';
import { psnr } from '../../src/image/metrics.js';
import { addGaussianNoise, randomMissingMask } from '../../src/image/noise.js';
import type { RasterImage } from '../../src/image/types.js';
import { resolveModel, type ResolvedModel } from '../../src/prior/registry.js';
import { layoutFor } from '../../src/restore/layout.js';
import { restore, type RestoreRequest, type SolverSettings } from '../../src/restore/restore.js';
import type { StepTrace } from '../../src/solve/solver.js';
import { GncError } from '../../src/util/errors.js';
import { quantised, syntheticImage } from '../helpers/fixtures.js';

const SIGMA = 25 / 255;
const STEPS = 6;

let model: ResolvedModel;

beforeAll(async () => {
  const backend = await selectBackend('wasm');
  expect(backend.name).toBe('wasm');
  // The hand-built starter prior: it has a meaningful t, so both methods apply (the default refuses joint).
  model = await resolveModel('starter-dct-gsm');
});

function noisyCopy(clean: RasterImage, seed: number): RasterImage {
  return { ...clean, data: addGaussianNoise(clean.data, SIGMA, seed) };
}

function clip(data: Float32Array): Float32Array {
  return data.map((v) => Math.min(1, Math.max(0, v)));
}

/** Channel `c` of an interleaved HWC image. */
function channel(data: Float32Array, channels: number, c: number): Float32Array {
  const out = new Float32Array(data.length / channels);
  for (let p = 0; p < out.length; p++) out[p] = data[p * channels + c]!;
  return out;
}

function expectGncError(fn: () => unknown, kind: GncError['kind'], message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a GncError to be thrown').toBeInstanceOf(GncError);
  expect((caught as GncError).kind).toBe(kind);
  expect((caught as GncError).message).toMatch(message);
}

function checkTraceShape(trace: StepTrace[], steps: number): void {
  expect(trace).toHaveLength(steps + 1);
  trace.forEach((t, i) => {
    expect(t.step).toBe(i);
    expect(Number.isFinite(t.sigma) && t.sigma > 0).toBe(true);
    expect(Number.isFinite(t.elapsed) && t.elapsed >= 0).toBe(true);
  });
  for (let i = 1; i < trace.length; i++) expect(trace[i]!.elapsed).toBeGreaterThanOrEqual(trace[i - 1]!.elapsed);
}

describe('restore: denoising', () => {
  const clean = quantised(syntheticImage(48, 48, 1, { seed: 3 }));
  const noisy = noisyCopy(clean, 11);
  const inputPsnr = psnr(noisy.data, clean.data);

  it.each(['gnc', 'joint'] as const)('%s raises PSNR well above the noisy input and traces every step', (method) => {
    const before = noisy.data.slice();
    const steps: number[] = [];
    const result = restore({
      task: 'denoise',
      image: noisy,
      model,
      sigma: SIGMA,
      reference: clean,
      settings: { method, steps: STEPS },
      onStep: (t, total) => {
        expect(total).toBe(STEPS);
        steps.push(t.step);
      },
    });
    // The request's image is not modified.
    expect(noisy.data).toEqual(before);

    expect(result.settings.method).toBe(method);
    expect(result.settings.steps).toBe(STEPS);
    expect(result.image.width).toBe(48);
    expect(result.image.height).toBe(48);
    expect(result.image.channels).toBe(1);
    expect(result.image.data).toHaveLength(48 * 48);
    expect(result.image.data.every(Number.isFinite)).toBe(true);

    // Quality: the reported numbers agree with an independent computation and show a real gain.
    expect(result.inputPsnr).toBeCloseTo(inputPsnr, 6);
    const own = psnr(clip(result.image.data), clean.data);
    expect(result.psnr).toBeCloseTo(own, 6);
    expect(own).toBeGreaterThan(inputPsnr + 3);
    expect(result.ssim).toBeGreaterThan(0);
    expect(result.ssim).toBeLessThanOrEqual(1);

    // Traces: step 0 (the start) then one per step, each with energy and PSNR.
    checkTraceShape(result.trace, STEPS);
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const t of result.trace) {
      expect(Number.isFinite(t.energy)).toBe(true);
      expect(Number.isFinite(t.psnr)).toBe(true);
    }
    // Step 0 is the noisy input itself; the last trace describes the returned (unclipped) image.
    expect(result.trace[0]!.psnr).toBeCloseTo(inputPsnr, 4);
    expect(result.trace.at(-1)!.psnr).toBeCloseTo(psnr(result.image.data, clean.data), 4);
    expect(result.trace.at(-1)!.psnr!).toBeGreaterThan(result.trace[0]!.psnr! + 3);
    expect(result.seconds).toBeGreaterThan(0);
  });

  it('gnc follows a decreasing σ schedule from sigma0 to sigmaMin', () => {
    const settings: Partial<SolverSettings> = { method: 'gnc', steps: STEPS, sigma0: 80 / 255, sigmaMin: 6 / 255, schedule: 'log' };
    const result = restore({ task: 'denoise', image: noisy, model, sigma: SIGMA, settings });
    const sigmas = result.trace.map((t) => t.sigma);
    expect(sigmas[0]).toBeCloseTo(80 / 255, 6);
    expect(sigmas.at(-1)).toBeCloseTo(6 / 255, 6);
    for (let i = 1; i < sigmas.length; i++) expect(sigmas[i]!).toBeLessThanOrEqual(sigmas[i - 1]! + 1e-12);
    // Strictly decreasing over the steps themselves (step 1 uses σ₀).
    for (let i = 2; i < sigmas.length; i++) expect(sigmas[i]!).toBeLessThan(sigmas[i - 1]!);
  });

  it('leaves energy out when traceEnergy is false and PSNR out without a reference', () => {
    const result = restore({ task: 'denoise', image: noisy, model, sigma: SIGMA, settings: { steps: 3 }, traceEnergy: false });
    checkTraceShape(result.trace, 3);
    for (const t of result.trace) {
      expect(t.energy).toBeUndefined();
      expect(t.psnr).toBeUndefined();
    }
    expect(result.psnr).toBeUndefined();
    expect(result.ssim).toBeUndefined();
    expect(result.inputPsnr).toBeUndefined();
  });

  it('is deterministic for the same request', () => {
    const request: RestoreRequest = { task: 'denoise', image: noisy, model, sigma: SIGMA, settings: { steps: 3 }, traceEnergy: false };
    expect(restore(request).image.data).toEqual(restore(request).image.data);
  });

  it('uses the model defaults unless overridden', () => {
    const result = restore({ task: 'denoise', image: noisy, model, sigma: SIGMA, settings: { steps: 2 }, traceEnergy: false });
    const defaults = model.metadata.defaults?.denoise ?? {};
    if (defaults.sigma0 !== undefined) expect(result.settings.sigma0).toBe(defaults.sigma0);
    if (defaults.method !== undefined) expect(result.settings.method).toBe(defaults.method);
    expect(result.settings.steps).toBe(2);
    expect(result.settings.dataWeight).toBe(1);
  });

  it('dataWeight w at noise level s is exactly the data term of level s/√w', () => {
    const settings = { method: 'gnc' as const, steps: 3 };
    const weighted = restore({ task: 'denoise', image: noisy, model, sigma: SIGMA, settings: { ...settings, dataWeight: 4 }, traceEnergy: false });
    const halved = restore({ task: 'denoise', image: noisy, model, sigma: SIGMA / 2, settings: { ...settings, dataWeight: 1 }, traceEnergy: false });
    const plain = restore({ task: 'denoise', image: noisy, model, sigma: SIGMA, settings, traceEnergy: false });
    expect(weighted.image.data).toEqual(halved.image.data);
    expect(weighted.settings.dataWeight).toBe(4);
    // And it does change the result against the default weight.
    expect(weighted.image.data).not.toEqual(plain.image.data);
  });
});

describe('restore: colour', () => {
  it('restores RGB through opponent planes, keeping the size and improving every channel', () => {
    const clean = quantised(syntheticImage(48, 48, 3, { seed: 5 }));
    const noisy = noisyCopy(clean, 21);
    // The starter prior is grey, so colour goes through the opponent-plane path.
    expect(model.architecture.inChannels).toBe(1);
    expect(layoutFor(clean, model.architecture.inChannels).mode).toBe('opponent-planes');

    const result = restore({ task: 'denoise', image: noisy, model, sigma: SIGMA, reference: clean, settings: { steps: STEPS }, traceEnergy: false });
    expect(result.image.width).toBe(48);
    expect(result.image.height).toBe(48);
    expect(result.image.channels).toBe(3);
    expect(result.image.data).toHaveLength(48 * 48 * 3);
    expect(result.psnr!).toBeGreaterThan(result.inputPsnr! + 3);
    checkTraceShape(result.trace, STEPS);
    // The opponent transform is orthonormal, so the trace's PSNR equals PSNR in RGB.
    expect(result.trace[0]!.psnr).toBeCloseTo(result.inputPsnr!, 3);
    // A wrong inverse transform (swapped or mixed channels) would hurt at least one channel.
    const out = clip(result.image.data);
    for (let c = 0; c < 3; c++) {
      const before = psnr(channel(noisy.data, 3, c), channel(clean.data, 3, c));
      const after = psnr(channel(out, 3, c), channel(clean.data, 3, c));
      expect(after, `channel ${c}`).toBeGreaterThan(before + 2);
    }
  });
});

describe('restore: inpainting', () => {
  /** The neutral start the solver is documented to use: the mean of the observed values per channel. */
  function meanFill(image: RasterImage, mask: Float32Array): Float32Array {
    const c = image.channels;
    const out = image.data.slice();
    for (let k = 0; k < c; k++) {
      let sum = 0;
      let count = 0;
      for (let p = 0; p < mask.length; p++) if (mask[p]) (sum += image.data[p * c + k]!), count++;
      for (let p = 0; p < mask.length; p++) if (!mask[p]) out[p * c + k] = sum / count;
    }
    return out;
  }

  function hide(image: RasterImage, mask: Float32Array): RasterImage {
    const data = image.data.slice();
    const c = image.channels;
    for (let p = 0; p < mask.length; p++) if (!mask[p]) for (let k = 0; k < c; k++) data[p * c + k] = 0;
    return { ...image, data };
  }

  it('keeps observed grey pixels exactly and fills the missing half better than the mean fill', () => {
    const clean = quantised(syntheticImage(48, 48, 1, { seed: 7 }));
    const mask = randomMissingMask(48, 48, 0.5, 13);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(48 * 24);
    const observed = hide(clean, mask);
    const result = restore({ task: 'inpaint', image: observed, model, mask, reference: clean, settings: { steps: 8 }, traceEnergy: false });

    let missingChanged = 0;
    for (let p = 0; p < mask.length; p++) {
      if (mask[p]) expect(result.image.data[p]).toBe(observed.data[p]);
      else if (result.image.data[p] !== 0) missingChanged++;
    }
    expect(missingChanged).toBeGreaterThan(mask.length * 0.4);

    const fillPsnr = psnr(meanFill(observed, mask), clean.data);
    expect(result.trace[0]!.psnr).toBeCloseTo(fillPsnr, 3);
    expect(result.psnr!).toBeGreaterThan(fillPsnr + 3);
    checkTraceShape(result.trace, 8);
  });

  it('keeps observed RGB pixels (up to the opponent round trip) and beats the mean fill', () => {
    const clean = quantised(syntheticImage(40, 40, 3, { seed: 9 }));
    const mask = randomMissingMask(40, 40, 0.5, 17);
    const observed = hide(clean, mask);
    const result = restore({ task: 'inpaint', image: observed, model, mask, reference: clean, settings: { steps: 8 }, traceEnergy: false });
    expect(result.image.channels).toBe(3);
    let worst = 0;
    for (let p = 0; p < mask.length; p++) {
      if (mask[p]) for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(result.image.data[p * 3 + k]! - observed.data[p * 3 + k]!));
    }
    expect(worst).toBeLessThan(1e-5);
    expect(result.psnr!).toBeGreaterThan(psnr(meanFill(observed, mask), clean.data) + 2);
  });

  it('ignores the values under missing pixels', () => {
    const clean = quantised(syntheticImage(40, 40, 1, { seed: 2 }));
    const mask = randomMissingMask(40, 40, 0.5, 3);
    const zeroed = hide(clean, mask);
    const garbage = { ...zeroed, data: zeroed.data.map((v, i) => (mask[i] ? v : 0.9)) };
    const a = restore({ task: 'inpaint', image: zeroed, model, mask, settings: { steps: 3 }, traceEnergy: false });
    const b = restore({ task: 'inpaint', image: garbage, model, mask, settings: { steps: 3 }, traceEnergy: false });
    expect(b.image.data).toEqual(a.image.data);
  });
});

describe('restore: cancellation', () => {
  it.each(['gnc', 'joint'] as const)('%s stops with a cancelled GncError when the signal fires after step 2', (method) => {
    const clean = quantised(syntheticImage(40, 40, 1, { seed: 4 }));
    const controller = new AbortController();
    const seen: number[] = [];
    expectGncError(
      () =>
        restore({
          task: 'denoise',
          image: noisyCopy(clean, 1),
          model,
          sigma: SIGMA,
          settings: { method, steps: 10 },
          traceEnergy: false,
          signal: controller.signal,
          onStep: (t) => {
            seen.push(t.step);
            if (t.step === 2) controller.abort();
          },
        }),
      'cancelled',
      /cancelled/,
    );
    expect(seen).toEqual([0, 1, 2]);
  });
});

describe('restore: invalid requests', () => {
  const clean = quantised(syntheticImage(48, 48, 1, { seed: 1 }));
  const base: RestoreRequest = { task: 'denoise', image: clean, model, sigma: SIGMA, settings: { steps: 2 }, traceEnergy: false };
  const run = (patch: Partial<RestoreRequest>) => () => restore({ ...base, model, ...patch });

  it('rejects sigmaMin above sigma0', () => {
    expectGncError(run({ settings: { sigma0: 10 / 255, sigmaMin: 20 / 255 } }), 'invalid-argument', /sigma-min.*sigma0/);
  });

  it('rejects an out-of-range data weight, naming it', () => {
    expectGncError(run({ settings: { dataWeight: 0.01 } }), 'invalid-argument', /data weight.*0\.01/);
    expectGncError(run({ settings: { dataWeight: 25 } }), 'invalid-argument', /data weight.*25/);
  });

  it('rejects zero or fractional steps', () => {
    expectGncError(run({ settings: { steps: 0 } }), 'invalid-argument', /steps.*received 0/);
    expectGncError(run({ settings: { steps: 2.5 } }), 'invalid-argument', /steps/);
  });

  it('rejects an unknown method and schedule', () => {
    expectGncError(run({ settings: { method: 'foo' as unknown as SolverSettings['method'] } }), 'invalid-argument', /method.*"foo"/);
    expectGncError(run({ settings: { schedule: 'cubic' as unknown as SolverSettings['schedule'] } }), 'invalid-argument', /schedule.*"cubic"/);
  });

  it('rejects a missing or out-of-range noise level', () => {
    expectGncError(run({ sigma: undefined }), 'invalid-argument', /sigma/);
    // 25 on the 0–255 scale passed by mistake: the engine works on [0, 1].
    expectGncError(run({ sigma: 25 }), 'invalid-argument', /sigma.*25/);
  });

  it('rejects a reference of the wrong size, naming both sizes', () => {
    const small = syntheticImage(40, 40, 1);
    expectGncError(run({ reference: small }), 'invalid-argument', /reference.*40×40.*48×48/);
    const colour = syntheticImage(48, 48, 3);
    expectGncError(run({ reference: colour }), 'invalid-argument', /reference.*48×48×3.*48×48×1/);
  });

  it('rejects a missing mask or one of the wrong length with invalid-mask', () => {
    expectGncError(run({ task: 'inpaint', mask: undefined }), 'invalid-mask', /mask/i);
    expectGncError(run({ task: 'inpaint', mask: new Float32Array(40 * 40).fill(1) }), 'invalid-mask', /1600.*48×48/);
    expectGncError(run({ task: 'inpaint', mask: new Float32Array(48 * 48) }), 'invalid-mask', /every pixel/);
  });
});

describe('method and model fit', () => {
  it('refuses joint optimisation with a prior trained without the t-term, naming why', async () => {
    const { foeArchitecture, initialParameters } = await import('../../src/prior/factory.js');
    const { decodeModel, encodeModel } = await import('../../src/prior/model-file.js');
    const { restore } = await import('../../src/restore/restore.js');
    const arch = foeArchitecture({ layers: 1, features: 4, nz: 11, nt: 6 });
    const model = decodeModel(encodeModel(arch, initialParameters(arch), { name: 'dsm-only', training: { settings: { alpha: 0 } } }));
    const image = { width: 16, height: 16, channels: 1 as const, data: new Float32Array(256).fill(0.5) };
    expect(() => restore({ task: 'denoise', image, model, sigma: 0.1, settings: { method: 'joint', steps: 2 } })).toThrow(/without the t-term.*method gnc/);
    expect(() => restore({ task: 'denoise', image, model, sigma: 0.1, settings: { method: 'gnc', steps: 2 } })).not.toThrow();
  });
});
