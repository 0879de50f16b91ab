/**
 * Posterior sampling through the app API: a 'sample' submit for a session
 * image (denoise with σ, inpaint with an uploaded mask) runs the sample job,
 * the library records it, and the samples, mean and std are served as
 * images; arguments that do not fit the task are refused naming the field.
 * Jobs run in this process (small images, few levels: seconds).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppEngine } from '../../src/app/app-engine.js';
import type { EngineEvent, ImageInfo, JobSubmitted, SampleResultSummary, SampleSubmit } from '../../src/app/engine-api.js';
import { createJobContext } from '../../src/jobs/job-context.js';
import type { JobRunner } from '../../src/jobs/job-service.js';
import { runJob } from '../../src/jobs/run-job.js';
import { useBackend } from '../helpers/backends.js';
import { tempDir, writeMaskFile, writeSynthetic } from '../helpers/fixtures.js';

const tmp = tempDir('gnc-app-sample-');
const inProcess: JobRunner = {
  run: (request, { signal, onProgress }) => runJob(request, createJobContext({ signal: signal ?? new AbortController().signal, emit: (p) => onProgress?.(p) })),
  terminate: async () => {},
};
let engine: AppEngine;
let photo: ImageInfo;
let clean: ImageInfo;

function ended(jobId: string): Promise<EngineEvent> {
  return new Promise((resolve) => {
    const off = engine.events.subscribe((e) => {
      if ('jobId' in e && e.jobId === jobId && (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled')) {
        off();
        resolve(e);
      }
    });
  });
}

async function sample(request: SampleSubmit): Promise<SampleResultSummary> {
  const submitted = (await engine.call('submitJob', [request])) as JobSubmitted;
  const end = await ended(submitted.jobId);
  if (end.type !== 'done') throw new Error(`sample job ended ${end.type}: ${JSON.stringify(end)}`);
  expect(submitted.recordId).toBeTruthy();
  return end.result as SampleResultSummary;
}

beforeAll(async () => {
  await useBackend('wasm');
  await writeSynthetic(tmp.file('photo.png'), 24, 20, 1, { seed: 1 });
  await writeSynthetic(tmp.file('clean.png'), 24, 20, 1, { seed: 1 });
  engine = new AppEngine({ transport: 'http', libraryPath: tmp.file('library.sqlite'), userData: tmp.file('home'), createRunner: () => inProcess });
  photo = await engine.openImagePath({ path: tmp.file('photo.png') });
  clean = await engine.openImagePath({ path: tmp.file('clean.png') });
});

afterAll(async () => {
  await engine?.close();
  tmp.cleanup();
});

describe('posterior sampling', () => {
  it('draws denoising samples with their mean, std and PSNR against a clean reference, served as PNGs', async () => {
    const r = await sample({ kind: 'sample', task: 'denoise', imageId: photo.imageId, sigma: 20, samples: 2, levels: 3, stepsPerLevel: 2, cleanImageId: clean.imageId, backend: 'wasm' });
    expect(r).toMatchObject({ kind: 'sample', task: 'denoise', imageId: photo.imageId, settings: { levels: 3, stepsPerLevel: 2 } });
    expect(r.sampleUrls).toHaveLength(2);
    expect(Number.isFinite(r.psnr?.mean)).toBe(true);
    expect(r.psnr?.samples).toHaveLength(2);
    for (const url of [...r.sampleUrls, r.meanUrl, r.stdUrl]) {
      const res = await engine.resource(url);
      expect(res.kind === 'file' && res.mime).toBe('image/png');
      if (res.kind === 'file') expect(readFileSync(res.file).subarray(1, 4).toString()).toBe('PNG');
    }
    await expect(engine.resource(r.sampleUrls[0]!.replace(/1$/, '9'))).rejects.toThrow(/no sample "9"; expected mean, std or 1 to 2/);
    const runs = await engine.listRuns({ kind: 'sample' });
    expect(runs).toHaveLength(1);
  }, 120_000);

  it('draws inpainting samples with std over hidden and observed pixels', async () => {
    // Observed everywhere but an 8×8 square (writeMaskFile marks the unobserved pixels white: fill in).
    const observed = Float32Array.from({ length: 24 * 20 }, (_, p) => (p % 24 >= 8 && p % 24 < 16 && Math.floor(p / 24) >= 6 && Math.floor(p / 24) < 14 ? 0 : 1));
    await writeMaskFile(tmp.file('mask.png'), observed, 24, 20);
    const mask = await engine.uploadMask(photo.imageId, { name: 'mask.png', bytes: readFileSync(tmp.file('mask.png')) });
    const r = await sample({ kind: 'sample', task: 'inpaint', imageId: photo.imageId, maskId: mask.maskId, samples: 2, levels: 3, stepsPerLevel: 2, cleanImageId: clean.imageId, backend: 'wasm' });
    expect(r.stdHidden).toBeGreaterThan(r.stdObserved!);
    expect(Number.isFinite(r.stdTexture) && Number.isFinite(r.stdFlat)).toBe(true);
  }, 120_000);

  it('refuses requests that do not fit the task', async () => {
    const base = { kind: 'sample', imageId: photo.imageId, samples: 2 };
    await expect(engine.call('submitJob', [{ ...base, task: 'denoise' }])).rejects.toThrow(/the noise level \(0.1–255\) for denoise sampling for submitJob argument 1.sigma/);
    await expect(engine.call('submitJob', [{ ...base, task: 'inpaint' }])).rejects.toThrow(/the mask \(from uploadMask\) for inpaint sampling for submitJob argument 1.maskId/);
    await expect(engine.call('submitJob', [{ ...base, task: 'denoise', sigma: 20, samples: 500 }])).rejects.toThrow(/an integer between 1 and 64 for submitJob argument 1.samples/);
    await expect(engine.call('submitJob', [{ ...base, task: 'prior', sigma: 20 }])).rejects.toThrow(/one of "denoise", "inpaint" for submitJob argument 1.task/);
  });
});
