/**
 * What the app engine tells the renderer about methods and schedules, and
 * what it hands the job: each model's methods (joint per the t-term rule, vn
 * per the library's schedules), shipped schedules listed and kept, a
 * scheduleId resolved to its file (or refused when it does not fit), the
 * nearest schedule chosen when none is given, and a clean reference passed
 * on as the job's `clean` file. Jobs go to a runner that only records them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppEngine } from '../../src/app/app-engine.js';
import type { ImageInfo, SubmitRequest } from '../../src/app/engine-api.js';
import { modelMethods } from '../../src/app/library-views.js';
import type { DenoiseJobRequest, InpaintJobRequest, JobRequest } from '../../src/jobs/contract.js';
import { JobService, type JobRunner } from '../../src/jobs/job-service.js';
import { readModelInfo } from '../../src/library/model-info.js';
import { shippedScheduleFiles, shippedScheduleId } from '../../src/library/shipped-schedules.js';
import { GncError } from '../../src/util/errors.js';
import { modelsDir } from '../../src/util/paths.js';
import { tempDir, writeMaskFile, writeSynthetic } from '../helpers/fixtures.js';
import { writeTinyModels } from '../library/helpers.js';

const tmp = tempDir('gnc-app-vn-');
const seen: JobRequest[] = [];
const runner: JobRunner = {
  run: async (request) => {
    seen.push(request);
    throw new GncError('backend', 'recorded, not run, in this test');
  },
  terminate: async () => {},
};
let engine: AppEngine;
let photo: ImageInfo;
let clean: ImageInfo;
/** A model of the user's own, with no shipped schedules (whatever ships later). */
let tiny: { id: string; name: string };

/** The schedule file the shipped default model has for denoise at σ 25. */
const SHIPPED = shippedScheduleFiles().find((f) => f.name === 'grey-l1-dsm-denoise-25')!;
const DEFAULT_ID = readModelInfo(path.join(modelsDir(), 'grey-l1-dsm.gncm')).id;

/** Submits through the validating entry point and returns the job request the runner got. */
async function jobFor(request: SubmitRequest): Promise<DenoiseJobRequest | InpaintJobRequest> {
  const before = seen.length;
  await engine.call('submitJob', [request]);
  await vi.waitFor(() => expect(seen.length).toBe(before + 1));
  return seen.at(-1) as DenoiseJobRequest | InpaintJobRequest;
}

function scheduleFile(name: string, modelId: string, task: 'denoise' | 'inpaint', level: number): string {
  const file = tmp.file(`${name}.gncs`);
  writeFileSync(file, JSON.stringify({ format: 'gnc-schedule', version: 1, modelId, modelName: 'x', task, level, sigmas: [40, 10, 3], stepScales: [1, 1, 1] }));
  return file;
}

beforeAll(async () => {
  await writeSynthetic(tmp.file('photo.png'), 40, 32, 1, { seed: 1 });
  await writeSynthetic(tmp.file('clean.png'), 40, 32, 1, { seed: 2 });
  await writeSynthetic(tmp.file('small.png'), 20, 32, 1, { seed: 3 });
  engine = new AppEngine({ transport: 'http', libraryPath: tmp.file('library.sqlite'), userData: tmp.file('home'), service: new JobService({ createRunner: () => runner }) });
  photo = await engine.openImagePath({ path: tmp.file('photo.png') });
  clean = await engine.openImagePath({ path: tmp.file('clean.png') });
  const [file] = await writeTinyModels(tmp.dir, 1, { seed: 5, name: 'own' });
  tiny = (await engine.library.models.add(file!)).row;
});

afterAll(async () => {
  await engine?.close();
  tmp.cleanup();
});

describe('model methods', () => {
  it('follow the t-term rule for joint and the library for vn', () => {
    expect(modelMethods({}, false)).toEqual(['gnc', 'joint']);
    expect(modelMethods({ training: { settings: { alpha: 0.5 } } }, true)).toEqual(['gnc', 'joint', 'vn']);
    expect(modelMethods({ training: { settings: { alpha: 0 } } }, false)).toEqual(['gnc']);
  });

  it('are listed per model: the shipped schedule gives the default model vn', async () => {
    const models = await engine.listModels();
    const byName = Object.fromEntries(models.map((m) => [m.name, m.methods]));
    // grey-l1-dsm: trained with alpha = 0 (no joint), one shipped schedule (vn).
    expect(byName['grey-l1-dsm']).toEqual(['gnc', 'vn']);
    expect(byName['starter-dct-gsm']).toContain('joint');
    expect(byName[tiny.name]).toEqual(['gnc', 'joint']);
  });

  it('gain vn when the library gets a schedule for the model', async () => {
    const before = await engine.library.schedules.add(scheduleFile('own-denoise-30', tiny.id, 'denoise', 30), { model: tiny.id, task: 'denoise', level: 30, steps: 3 });
    expect((await engine.getModel(tiny.id)).methods).toEqual(['gnc', 'joint', 'vn']);
    await engine.removeSchedule(before.id);
    expect((await engine.getModel(tiny.id)).methods).toEqual(['gnc', 'joint']);
  });
});

describe('shipped schedules in the app', () => {
  it('are listed, flagged shipped, and cannot be removed', async () => {
    const listed = await engine.listSchedules();
    const shipped = listed.find((s) => s.id === shippedScheduleId(SHIPPED.name));
    expect(shipped).toMatchObject({ modelId: DEFAULT_ID, modelName: 'grey-l1-dsm', task: 'denoise', level: 25, shipped: true });
    await expect(engine.call('removeSchedule', [shipped!.id])).rejects.toMatchObject({ kind: 'library', message: expect.stringContaining('shipped schedule') });
  });
});

describe('VN jobs', () => {
  it('get the file of the library schedule picked by scheduleId', async () => {
    const job = await jobFor({ kind: 'denoise', imageId: photo.imageId, sigma: 25, settings: { method: 'vn' }, scheduleId: shippedScheduleId(SHIPPED.name) });
    expect(job.schedule).toBe(SHIPPED.path);
    expect(job.settings).toEqual({ method: 'vn' });
  });

  it('leave the choice to the job (nearest shipped) without a scheduleId', async () => {
    const job = await jobFor({ kind: 'denoise', imageId: photo.imageId, sigma: 40, settings: { method: 'vn' } });
    expect(job.schedule).toBeUndefined();
    const gnc = await jobFor({ kind: 'denoise', imageId: photo.imageId, sigma: 40, settings: { method: 'gnc' } });
    expect(gnc.schedule).toBeUndefined();
  });

  it('refuse a schedule of another task or model, or with another method, naming both sides', async () => {
    const inpaint = await engine.library.schedules.add(scheduleFile('inpaint-50', DEFAULT_ID, 'inpaint', 0.5), { model: DEFAULT_ID, task: 'inpaint', level: 0.5, steps: 3 });
    await expect(engine.call('submitJob', [{ kind: 'denoise', imageId: photo.imageId, sigma: 25, settings: { method: 'vn' }, scheduleId: inpaint.id }])).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/learned for inpaint \(50 % missing\), not denoise; expected a denoise schedule/),
    });
    await expect(
      engine.call('submitJob', [{ kind: 'denoise', imageId: photo.imageId, sigma: 25, model: 'starter-dct-gsm', settings: { method: 'vn' }, scheduleId: shippedScheduleId(SHIPPED.name) }]),
    ).rejects.toMatchObject({ kind: 'invalid-argument', message: expect.stringMatching(/learned for the model grey-l1-dsm, not starter-dct-gsm/) });
    await expect(engine.call('submitJob', [{ kind: 'denoise', imageId: photo.imageId, sigma: 25, settings: { method: 'gnc' }, scheduleId: shippedScheduleId(SHIPPED.name) }])).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/method "vn", but the request's method is "gnc"/),
    });
    await expect(engine.call('submitJob', [{ kind: 'denoise', imageId: photo.imageId, sigma: 25, settings: { method: 'vn' }, scheduleId: 'feedfacefeedface' }])).rejects.toMatchObject({ kind: 'not-found' });
  });

  it("take the library's nearest when a model has only schedules of the user's own", async () => {
    await engine.library.schedules.add(scheduleFile('own-inpaint-50', tiny.id, 'inpaint', 0.5), { model: tiny.id, task: 'inpaint', level: 0.5, steps: 3 });
    const near = await engine.library.schedules.add(scheduleFile('own-inpaint-20', tiny.id, 'inpaint', 0.2), { model: tiny.id, task: 'inpaint', level: 0.2, steps: 3 });
    const observed = new Float32Array(40 * 32).map((_, i) => (i % 10 < 8 ? 1 : 0)); // 20 % to fill in
    await writeMaskFile(tmp.file('mask.png'), observed, 40, 32);
    const mask = await engine.uploadMask(photo.imageId, { name: 'mask.png', bytes: readFileSync(tmp.file('mask.png')) });
    expect(mask.fillFraction).toBeCloseTo(0.2);
    const job = await jobFor({ kind: 'inpaint', imageId: photo.imageId, maskId: mask.maskId, model: tiny.name, settings: { method: 'vn' } });
    expect(job.schedule).toBe(near.filePath);

    await expect(engine.call('submitJob', [{ kind: 'denoise', imageId: photo.imageId, sigma: 25, model: tiny.name, settings: { method: 'vn' } }])).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining(`The model ${tiny.name} has no learned VN schedule for denoise in the library; learn one with \`gnc learn-schedule --model ${tiny.name} --task denoise\``),
    });
  });
});

describe('a clean reference', () => {
  it('becomes the job\'s clean file', async () => {
    const job = await jobFor({ kind: 'denoise', imageId: photo.imageId, sigma: 20, cleanImageId: clean.imageId });
    expect(job.clean).toBe(engine.images.get(clean.imageId).file);
  });

  it('is cropped like the input for a preview', async () => {
    const job = await jobFor({ kind: 'denoise', imageId: photo.imageId, sigma: 20, cleanImageId: clean.imageId, crop: { x: 8, y: 4, width: 16, height: 12 }, record: false });
    expect(job.clean).not.toBe(engine.images.get(clean.imageId).file);
    expect(existsSync(job.clean!)).toBe(true);
    expect(await sharp(job.clean!).metadata()).toMatchObject({ width: 16, height: 12 });
  });

  it('must match the photo and cannot go with addNoise', async () => {
    const small = await engine.openImagePath({ path: tmp.file('small.png') });
    await expect(engine.call('submitJob', [{ kind: 'denoise', imageId: photo.imageId, sigma: 20, cleanImageId: small.imageId }])).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: 'The clean reference small.png is 20×32 grey but the photo photo.png is 40×32 grey; expected a reference of the same size and colour',
    });
    await expect(engine.call('submitJob', [{ kind: 'denoise', imageId: photo.imageId, addNoise: 20, cleanImageId: clean.imageId }])).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('leave out cleanImageId or addNoise'),
    });
    await expect(engine.call('submitJob', [{ kind: 'denoise', imageId: photo.imageId, sigma: 20, cleanImageId: 'img-nothere' }])).rejects.toMatchObject({ kind: 'not-found' });
  });
});
