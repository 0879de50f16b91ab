/**
 * The engine's half of a WebGPU preview (prepareGpuSolve, src/app/gpu-plan.ts):
 * solving the plan it hands out with the code the page's GPU worker runs
 * (src/tensor, here on tfjs-wasm) gives the preview job's own result for the
 * same request, colour and grey, GNC flow and learned VN schedule; requests
 * the GPU path cannot serve are refused naming why. Jobs run in this process.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { AppEngine } from '../../src/app/app-engine.js';
import type { DenoiseSubmit, EngineEvent, GpuSolvePlan, ImageInfo, JobSubmitted, RestoreResultSummary } from '../../src/app/engine-api.js';
import { createJobContext } from '../../src/jobs/job-context.js';
import type { JobRunner } from '../../src/jobs/job-service.js';
import { runJob } from '../../src/jobs/run-job.js';
import { decodeModelBytesAsync, webCryptoSha256 } from '../../src/prior/model-decode.js';
import { TensorFoE } from '../../src/tensor/foe-tensor.js';
import { TensorDenoisingTerm, proximalStepsTensor } from '../../src/tensor/flow-tensor.js';
import { fromSolver, layoutFor } from '../../src/restore/layout.js';
import { psnr } from '../../src/image/metrics.js';
import { shippedScheduleFiles } from '../../src/library/shipped-schedules.js';
import { loadSchedule } from '../../src/vn/schedule-file.js';
import { useBackend } from '../helpers/backends.js';
import { tempDir, writeSynthetic } from '../helpers/fixtures.js';

const tmp = tempDir('gnc-app-gpu-plan-');
const inProcess: JobRunner = {
  run: (request, { signal, onProgress }) => runJob(request, createJobContext({ signal: signal ?? new AbortController().signal, emit: (p) => onProgress?.(p) })),
  terminate: async () => {},
};
let engine: AppEngine;
let colour: ImageInfo;
let grey: ImageInfo;

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

/** The job's result as the page sees it (display PNG; grey results come as RGB, the channel taken once), 8-bit. */
async function previewJob(request: DenoiseSubmit): Promise<{ result: RestoreResultSummary; pixels: Uint8Array }> {
  const submitted = (await engine.call('submitJob', [request])) as JobSubmitted;
  const end = await ended(submitted.jobId);
  if (end.type !== 'done') throw new Error(`preview job ended ${end.type}: ${JSON.stringify(end)}`);
  const result = end.result as RestoreResultSummary;
  const res = await engine.resource(result.displayUrl);
  if (res.kind !== 'file') throw new Error('expected a file');
  const { data, info } = await sharp(res.file).raw().toBuffer({ resolveWithObject: true });
  const step = info.channels / result.channels;
  const pixels = new Uint8Array(info.width * info.height * result.channels);
  for (let p = 0; p < info.width * info.height; p++) for (let c = 0; c < result.channels; c++) pixels[p * result.channels + c] = data[p * info.channels + c * step]!;
  return { result, pixels };
}

const floats = (b64: string): Float32Array => {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

/** What the page does with a plan: the worker's solve (src/tensor), back to the image layout, clipped. */
async function solvePlan(plan: GpuSolvePlan, modelFile: string): Promise<{ image: Float32Array; psnr?: number }> {
  const model = await decodeModelBytesAsync(new Uint8Array(Buffer.from(modelFile, 'base64')), 'plan', webCryptoSha256);
  expect(model.id).toBe(plan.model.id);
  const prior = new TensorFoE(model.architecture, model.parameters);
  const { n, h, w, c } = plan.shape;
  const z = tf.tensor4d(floats(plan.z), [n, h, w, c]);
  const data = new TensorDenoisingTerm(z, plan.s);
  z.dispose();
  const x = await proximalStepsTensor(prior, data, plan.sigmas, plan.stepScales);
  const solved = x.dataSync() as Float32Array;
  x.dispose();
  data.dispose();
  prior.dispose();
  const layout = layoutFor(plan.image, model.architecture.inChannels);
  const image = fromSolver(solved, plan.image, layout).map((v) => Math.min(1, Math.max(0, v)));
  const reference = plan.reference ? fromSolver(floats(plan.reference), plan.image, layout) : undefined;
  return { image, ...(reference ? { psnr: psnr(image, reference) } : {}) };
}

function maxLevelDiff(image: Float32Array, pixels: Uint8Array): number {
  expect(pixels.length).toBe(image.length);
  let m = 0;
  for (let i = 0; i < image.length; i++) m = Math.max(m, Math.abs(Math.round(image[i]! * 255) - pixels[i]!));
  return m;
}

beforeAll(async () => {
  await useBackend('wasm');
  await writeSynthetic(tmp.file('colour.png'), 56, 44, 3, { seed: 3 });
  await writeSynthetic(tmp.file('grey.png'), 40, 36, 1, { seed: 4 });
  engine = new AppEngine({ transport: 'http', libraryPath: tmp.file('library.sqlite'), userData: tmp.file('home'), createRunner: () => inProcess });
  colour = await engine.openImagePath({ path: tmp.file('colour.png') });
  grey = await engine.openImagePath({ path: tmp.file('grey.png') });
});

afterAll(async () => {
  await engine?.close();
  tmp.cleanup();
});

describe('WebGPU preview plans', () => {
  it('a colour crop with synthetic noise: solving the plan gives the preview job’s pixels and PSNR', async () => {
    const request: DenoiseSubmit = {
      kind: 'denoise',
      imageId: colour.imageId,
      addNoise: 25,
      seed: 4,
      crop: { x: 6, y: 4, width: 40, height: 32 },
      settings: { method: 'gnc', steps: 5, sigma0: 80, sigmaMin: 6, schedule: 'log', stepScale: 1 },
      record: false,
      traceEnergy: false,
      backend: 'wasm',
    };
    const plan = (await engine.call('prepareGpuSolve', [{ request }])) as GpuSolvePlan;
    expect(plan).toMatchObject({ method: 'gnc', crop: request.crop, image: { width: 40, height: 32, channels: 3 }, shape: { n: 3, h: 32, w: 40, c: 1 }, sigma: 25 });
    expect(plan.s).toBeCloseTo(25 / 255, 10);
    expect(plan.sigmas).toHaveLength(5);
    expect(plan.sigmas[0]).toBeCloseTo(80 / 255, 10);
    expect(plan.sigmas[4]).toBeCloseTo(6 / 255, 10);
    const gpu = await solvePlan(plan, plan.modelFile!);
    const job = await previewJob(request);
    expect(job.result.backend.name).toBe('wasm');
    expect(maxLevelDiff(gpu.image, job.pixels)).toBeLessThanOrEqual(1);
    expect(Math.abs(gpu.psnr! - job.result.psnr!)).toBeLessThan(0.01);
    // The model's file is sent once: a page that holds it gets the plan without it.
    const again = (await engine.call('prepareGpuSolve', [{ request, loadedModelId: plan.model.id }])) as GpuSolvePlan;
    expect(again.modelFile).toBeUndefined();
    expect(again.z).toBe(plan.z);
  }, 120_000);

  it('a grey crop with the shipped VN schedule nearest σ 25 and a data weight', async () => {
    const request: DenoiseSubmit = {
      kind: 'denoise',
      imageId: grey.imageId,
      sigma: 25,
      crop: { x: 0, y: 0, width: 32, height: 30 },
      settings: { method: 'vn', dataWeight: 2 },
      backend: 'wasm',
      traceEnergy: false,
    };
    const plan = (await engine.call('prepareGpuSolve', [{ request }])) as GpuSolvePlan;
    const shipped = loadSchedule(shippedScheduleFiles().find((f) => f.name === 'grey-l1-dsm-denoise-25')!.path);
    expect(plan.method).toBe('vn');
    expect(plan.sigmas.map((s) => s * 255)).toEqual(shipped.sigmas.map((s) => expect.closeTo(s, 9)));
    expect(plan.stepScales).toEqual(shipped.stepScales);
    expect(plan.s).toBeCloseTo(25 / 255 / Math.SQRT2, 10);
    expect(plan.reference).toBeUndefined();
    const gpu = await solvePlan(plan, plan.modelFile!);
    const job = await previewJob(request);
    expect(job.result.method).toBe('vn');
    expect(maxLevelDiff(gpu.image, job.pixels)).toBeLessThanOrEqual(1);
  }, 120_000);

  it('refuses what the GPU path does not run, naming why', async () => {
    const base: DenoiseSubmit = { kind: 'denoise', imageId: grey.imageId, sigma: 20, crop: { x: 0, y: 0, width: 16, height: 16 } };
    const { crop: _crop, ...whole } = base;
    await expect(engine.call('prepareGpuSolve', [{ request: whole }])).rejects.toMatchObject({ kind: 'invalid-argument', message: expect.stringMatching(/preview crop.*request\.crop/) });
    await expect(engine.call('prepareGpuSolve', [{ request: { ...base, settings: { method: 'joint' } } }])).rejects.toMatchObject({ message: expect.stringMatching(/Joint optimisation runs in the engine only/) });
    await expect(engine.call('prepareGpuSolve', [{ request: { ...base, record: true } }])).rejects.toMatchObject({ message: expect.stringMatching(/never recorded/) });
    await expect(engine.call('prepareGpuSolve', [{ request: base, loadedModelId: 'grey' }])).rejects.toMatchObject({ message: expect.stringMatching(/loadedModelId/) });
    await expect(engine.call('prepareGpuSolve', [{ request: { ...base, kind: 'inpaint', maskId: 'm' } }])).rejects.toMatchObject({ kind: 'invalid-argument' });
  });
});
