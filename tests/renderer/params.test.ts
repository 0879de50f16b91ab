import { describe, expect, it } from 'vitest';
import { fromSlider, NOISE, parseParam, SCHEDULE_PARAMS, toSlider, updateSchedule, FALLBACK_SCHEDULE } from '../../renderer/src/lib/logic/params.js';
import { denoiseRequest, inpaintRequest, joinPath, scheduleFromModel, trainRequest, withExtension, DEFAULT_TRAIN } from '../../renderer/src/lib/logic/requests.js';
import { MODEL } from './fake-api.js';

describe('setting values', () => {
  it('accepts values in range as they are', () => {
    expect(parseParam(NOISE, '25')).toEqual({ ok: true, value: 25 });
    expect(parseParam(NOISE, ' 12,5 ')).toEqual({ ok: true, value: 12.5 });
  });

  it('clamps values out of range and says so', () => {
    const hi = parseParam(NOISE, '400');
    expect(hi).toMatchObject({ ok: true, value: 100 });
    expect(hi.ok && hi.note).toMatch(/at most 100/);
    const lo = parseParam(NOISE, -3);
    expect(lo).toMatchObject({ ok: true, value: 0.5 });
  });

  it('rounds whole-number settings', () => {
    const r = parseParam(SCHEDULE_PARAMS.steps, '7.6');
    expect(r).toMatchObject({ ok: true, value: 8 });
    expect(r.ok && r.note).toMatch(/whole number/);
  });

  it('refuses what is not a number, with a message', () => {
    for (const bad of ['abc', '', 'NaN', '1e400', '--2']) {
      const r = parseParam(NOISE, bad);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.message).toMatch(/Noise level/);
    }
  });

  it('refuses σ_min above σ₀', () => {
    const r = updateSchedule({ ...FALLBACK_SCHEDULE, sigma0: 50 }, 'sigmaMin', '60');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/σ_min .* must not exceed σ₀/);
    const ok = updateSchedule({ ...FALLBACK_SCHEDULE, sigma0: 50 }, 'sigmaMin', '20');
    expect(ok.ok && ok.values.sigmaMin).toBe(20);
  });

  it('log sliders cover the range end to end and round-trip', () => {
    const spec = SCHEDULE_PARAMS.sigma0;
    expect(fromSlider(spec, 0)).toBe(spec.min);
    expect(fromSlider(spec, 1000)).toBe(spec.max);
    for (const v of [1, 10, 102, 200]) expect(Math.abs(fromSlider(spec, toSlider(spec, v)) - v) / v).toBeLessThan(0.02);
    expect(toSlider(spec, 1e9)).toBe(1000);
  });
});

describe('job requests', () => {
  const schedule = scheduleFromModel(MODEL, 'denoise');

  it('takes the model’s recommended schedule', () => {
    expect(schedule).toMatchObject({ method: 'gnc', steps: 15, sigma0: 102, sigmaMin: 5.1, schedule: 'log' });
    expect(scheduleFromModel(undefined, 'inpaint').steps).toBe(60);
  });

  it('a full denoise is recorded and traced; a preview is a crop, unrecorded', () => {
    const full = denoiseRequest({ model: MODEL.id, sigma: 25, synthetic: false, seed: 1, schedule }, 'img1');
    expect(full).toMatchObject({ kind: 'denoise', imageId: 'img1', sigma: 25, traceEnergy: true, model: MODEL.id });
    expect(full.crop).toBeUndefined();
    const crop = { x: 0, y: 0, width: 64, height: 64 };
    const preview = denoiseRequest({ model: undefined, sigma: 25, synthetic: true, seed: 7, schedule }, 'img1', crop);
    expect(preview).toMatchObject({ addNoise: 25, seed: 7, crop, record: false, traceEnergy: false });
    expect(preview.sigma).toBeUndefined();
  });

  it('a VN request sends only the method (the learned schedule brings steps and σ) and the chosen schedule', () => {
    const vn = { ...schedule, method: 'vn' as const };
    expect(denoiseRequest({ model: undefined, scheduleId: 's1', sigma: 25, synthetic: false, seed: 1, schedule: vn }, 'img1')).toMatchObject({ settings: { method: 'vn' }, scheduleId: 's1' });
    expect(denoiseRequest({ model: undefined, sigma: 25, synthetic: false, seed: 1, schedule: vn }, 'img1').settings).toEqual({ method: 'vn' });
    // A schedule id left over from VN is not sent with another method.
    expect(denoiseRequest({ model: undefined, scheduleId: 's1', sigma: 25, synthetic: false, seed: 1, schedule }, 'img1').scheduleId).toBeUndefined();
  });

  it('inpaint requests carry the mask id', () => {
    expect(inpaintRequest({ model: undefined, schedule }, 'img1', 'm1')).toMatchObject({ kind: 'inpaint', imageId: 'img1', maskId: 'm1' });
  });

  it('a clean reference goes with real noise and inpainting, not with synthetic noise (the photo is then the reference)', () => {
    expect(denoiseRequest({ model: undefined, cleanImageId: 'img2', sigma: 25, synthetic: false, seed: 1, schedule }, 'img1')).toMatchObject({ sigma: 25, cleanImageId: 'img2' });
    expect(denoiseRequest({ model: undefined, cleanImageId: 'img2', sigma: 25, synthetic: true, seed: 1, schedule }, 'img1').cleanImageId).toBeUndefined();
    expect(inpaintRequest({ model: undefined, cleanImageId: 'img2', schedule }, 'img1', 'm1')).toMatchObject({ cleanImageId: 'img2' });
    expect(inpaintRequest({ model: undefined, schedule }, 'img1', 'm1').cleanImageId).toBeUndefined();
  });

  it('a model’s default method it cannot run falls back to GNC flow', () => {
    const jointByDefault = { ...MODEL, defaults: { ...MODEL.defaults, denoise: { ...MODEL.defaults.denoise, method: 'joint' as const } } };
    expect(scheduleFromModel(jointByDefault, 'denoise').method).toBe('joint');
    expect(scheduleFromModel({ ...jointByDefault, methods: ['gnc', 'vn'] }, 'denoise').method).toBe('gnc');
  });

  it('training needs a folder and a sensible σ range', () => {
    expect(trainRequest({ data: ' ', name: '', settings: DEFAULT_TRAIN })).toMatchObject({ ok: false });
    expect(trainRequest({ data: '/p', name: '', settings: { ...DEFAULT_TRAIN, sigmaMin: 50, sigmaMax: 20 } })).toMatchObject({ ok: false });
    expect(trainRequest({ data: '/p', name: 'mine', settings: DEFAULT_TRAIN })).toMatchObject({ ok: true, request: { kind: 'train', data: '/p', name: 'mine' } });
  });

  it('paths keep the folder’s separator and swap extensions', () => {
    expect(joinPath('/home/me', 'a.png')).toBe('/home/me/a.png');
    expect(joinPath('C:\\Users\\me', 'a.png')).toBe('C:\\Users\\me\\a.png');
    expect(withExtension('/x/photo.denoised.png', 'tif')).toBe('/x/photo.denoised.tif');
    expect(withExtension('/x.y/photo', 'jpg')).toBe('/x.y/photo.jpg');
  });
});
