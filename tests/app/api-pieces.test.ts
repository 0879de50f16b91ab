/** Small pieces of the app engine: argument checks, ICC names, model defaults, crops, errors. */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { CALL_NAMES, validateCall } from '../../src/app/api-validate.js';
import { httpStatusFor, toApiError } from '../../src/app/api-errors.js';
import { iccDescription } from '../../src/app/icc-description.js';
import { FALLBACK_DEFAULTS, taskDefaults } from '../../src/app/library-views.js';
import { clampCrop } from '../../src/app/crop.js';
import { GncError } from '../../src/util/errors.js';

describe('call validation', () => {
  it('knows every call and refuses unknown ones', () => {
    expect(CALL_NAMES).toContain('submitJob');
    expect(() => validateCall('deleteEverything', [])).toThrow(/deleteEverything/);
  });

  it('names the field, what was expected and what arrived', () => {
    expect(() => validateCall('submitJob', [{ kind: 'denoise', imageId: 'img-1', sigma: 900 }])).toThrow('Expected a number between 0.1 and 255 for submitJob argument 1.sigma but received 900');
    expect(() => validateCall('submitJob', [{ kind: 'paint' }])).toThrow(/denoise, inpaint, train, sample for submitJob argument 1.kind/);
    expect(() => validateCall('submitJob', [{ kind: 'inpaint', imageId: 'img-1' }])).toThrow('Expected a value (required) for submitJob argument 1.maskId');
    expect(() => validateCall('submitJob', [{ kind: 'denoise', imageId: 'img-1', sigma: 10, model: '/etc/passwd' }])).toThrow(/no file paths/);
    expect(() => validateCall('submitJob', [{ kind: 'denoise', imageId: 'img-1', sigma: 10, crop: { x: 0, y: 0, width: 2000, height: 2000 } }])).toThrow(/at most 1048576 pixels/);
    expect(() => validateCall('exportResult', [{ jobId: 'job-1', path: 'relative.png' }])).toThrow(/absolute file path/);
    expect(validateCall('listRuns', [])).toEqual([]);
    expect(validateCall('submitJob', [{ kind: 'denoise', imageId: 'img-1', sigma: 25, settings: { method: 'vn' } }])).toHaveLength(1);
  });
});

describe('errors', () => {
  it('keep their kind and map to one HTTP status each', () => {
    expect(toApiError(new GncError('invalid-mask', 'm'))).toEqual({ kind: 'invalid-mask', message: 'm' });
    expect(toApiError(new TypeError('boom'))).toEqual({ kind: 'internal', message: 'Internal error: boom' });
    expect([httpStatusFor('invalid-image'), httpStatusFor('unknown-model'), httpStatusFor('exists'), httpStatusFor('too-large'), httpStatusFor('io')]).toEqual([400, 404, 409, 413, 500]);
  });
});

describe('ICC profile names', () => {
  it('reads the description of an embedded profile and ignores junk', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).withIccProfile('p3').png().toBuffer();
    const { icc } = await sharp(png).metadata();
    expect(iccDescription(icc)).toMatch(/P3/);
    expect(iccDescription(Buffer.alloc(300, 7))).toBeUndefined();
    expect(iccDescription(undefined)).toBeUndefined();
  });
});

describe('model defaults', () => {
  it('copies restore.ts FALLBACK_SETTINGS, σ on 0–255', async () => {
    const { FALLBACK_SETTINGS } = await import('../../src/restore/restore.js');
    for (const task of ['denoise', 'inpaint'] as const) {
      const s = FALLBACK_SETTINGS[task];
      expect(FALLBACK_DEFAULTS[task]).toEqual({ ...s, sigma0: s.sigma0 * 255, sigmaMin: s.sigmaMin * 255 });
    }
  });

  it("lays a model's own defaults over the fallbacks", () => {
    expect(taskDefaults({ defaults: { denoise: { steps: 8, sigma0: 0.2 } } }, 'denoise')).toMatchObject({ steps: 8, sigma0: 51, sigmaMin: 0.02 * 255 });
    expect(taskDefaults({}, 'inpaint').steps).toBe(60);
  });
});

describe('preview crops', () => {
  it('are clamped to the image and refused when too little is left', () => {
    expect(clampCrop({ x: 40, y: 30, width: 100, height: 100 }, 64, 48)).toEqual({ x: 40, y: 30, width: 24, height: 18 });
    expect(() => clampCrop({ x: 60, y: 0, width: 100, height: 100 }, 64, 48)).toThrow(/4×48 pixels inside the 64×48 image; expected at least 8×8/);
  });
});
