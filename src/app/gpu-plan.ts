/**
 * The engine's half of a WebGPU preview (engine-api.ts GpuPlanRequest): it
 * resolves a denoise crop preview exactly as the preview job would
 * (app-jobs.ts #restoreRequest, then jobs/restore-job.ts and
 * restore/restore.ts) and returns the numbers the page's GPU worker needs:
 * the observed crop and the clean reference in the solver layout, the data
 * term's noise level, and the per-step σᵢ and λᵢ of the GNC flow or of the
 * learned VN schedule. The page then runs the same proximal steps
 * (src/tensor) on the GPU; tests/app/gpu-plan.test.ts checks that solving a
 * plan gives the preview job's result.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Library } from '../library/library.js';
import { addGaussianNoise } from '../image/noise.js';
import { DEFAULT_MODEL, resolveModel } from '../prior/registry.js';
import { resolveSettings } from '../restore/restore.js';
import { layoutFor, toSolver } from '../restore/layout.js';
import { sigmaSchedule } from '../solve/schedule.js';
import { checkScheduleFits, loadSchedule, pickSchedule } from '../vn/schedule-file.js';
import { GncError } from '../util/errors.js';
import { readImageCrop } from './crop.js';
import type { ImageStore } from './image-store.js';
import { vnScheduleFile } from './vn-schedule.js';
import type { GpuPlanRequest, GpuSolvePlan } from './engine-api.js';

export interface GpuPlanContext {
  images: ImageStore;
  library: Library;
}

const base64 = (values: Float32Array): string => Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');

/** A model name or id of the library as the job service takes it (shipped: its name; else its file). */
function modelSpec(library: Library, ref: string | undefined): string {
  if (ref === undefined) return DEFAULT_MODEL;
  const row = library.models.get(ref);
  return row.shipped ? path.basename(row.filePath, '.gncm') : row.filePath;
}

export async function gpuSolvePlan(ctx: GpuPlanContext, { request, loadedModelId }: GpuPlanRequest): Promise<GpuSolvePlan> {
  if (request.kind !== 'denoise') throw new GncError('invalid-argument', `The WebGPU path runs denoise previews only, not ${JSON.stringify(request.kind)}`);
  if (!request.crop) throw new GncError('invalid-argument', 'The WebGPU path runs previews: expected a crop in the request');
  if (request.record === true) throw new GncError('invalid-argument', 'A WebGPU preview is never recorded: leave out record or set it to false');
  if (request.sigma === undefined && request.addNoise === undefined) {
    throw new GncError('invalid-argument', 'Denoising needs the noise level: expected sigma (0–255) or addNoise (0–255) in the request');
  }
  if (request.addNoise !== undefined && request.cleanImageId !== undefined) {
    throw new GncError('invalid-argument', 'addNoise already makes the photo itself the clean reference; leave out cleanImageId or addNoise');
  }
  const stored = ctx.images.get(request.imageId);
  const model = await resolveModel(modelSpec(ctx.library, request.model));
  const { crop, image } = await readImageCrop(stored.file, request.crop);
  let observed = image.data;
  let reference: Float32Array | undefined;
  if (request.addNoise !== undefined) {
    observed = addGaussianNoise(image.data, request.addNoise / 255, request.seed ?? 0);
    reference = image.data;
  }
  if (request.cleanImageId !== undefined) {
    const clean = ctx.images.get(request.cleanImageId);
    if (clean.info.width !== stored.info.width || clean.info.height !== stored.info.height || clean.info.channels !== stored.info.channels) {
      throw new GncError(
        'invalid-argument',
        `The clean reference ${clean.info.name} is ${clean.info.width}×${clean.info.height}×${clean.info.channels} but the photo ${stored.info.name} is ${stored.info.width}×${stored.info.height}×${stored.info.channels}; expected a reference of the same size`,
      );
    }
    reference = (await readImageCrop(clean.file, request.crop)).image.data;
  }
  const sigma = request.sigma ?? request.addNoise!;
  const s = request.settings ?? {};
  const settings = resolveSettings('denoise', model, {
    ...s,
    ...(s.sigma0 !== undefined ? { sigma0: s.sigma0 / 255 } : {}),
    ...(s.sigmaMin !== undefined ? { sigmaMin: s.sigmaMin / 255 } : {}),
  });
  let sigmas: number[];
  let stepScales: number[];
  if (settings.method === 'joint') {
    throw new GncError('invalid-argument', 'Joint optimisation runs in the engine only; the WebGPU path runs methods gnc and vn');
  } else if (settings.method === 'vn') {
    const file = vnScheduleFile(ctx.library, { kind: 'denoise', method: 'vn', model: request.model, scheduleId: request.scheduleId, level: sigma });
    const used = file ? { file, schedule: loadSchedule(file) } : pickSchedule({ id: model.id, name: model.name }, 'denoise', sigma);
    checkScheduleFits(used.schedule, { id: model.id, name: model.name }, used.file);
    if (used.schedule.task !== 'denoise') throw new GncError('invalid-argument', `The schedule ${used.file} is for ${used.schedule.task}, not denoise`);
    sigmas = used.schedule.sigmas.map((v) => v / 255);
    stepScales = [...used.schedule.stepScales];
    settings.steps = sigmas.length;
  } else {
    if (request.scheduleId !== undefined) vnScheduleFile(ctx.library, { kind: 'denoise', method: settings.method, model: request.model, scheduleId: request.scheduleId, level: sigma });
    sigmas = Array.from(sigmaSchedule(settings.sigma0, settings.sigmaMin, settings.steps, settings.schedule));
    stepScales = sigmas.map(() => settings.stepScale);
  }
  const layout = layoutFor(image, model.architecture.inChannels);
  const plan: GpuSolvePlan = {
    model: { id: model.id, name: model.name },
    method: settings.method,
    crop,
    image: { width: image.width, height: image.height, channels: image.channels },
    shape: { ...layout.shape },
    z: base64(toSolver(observed, image, layout)),
    s: sigma / 255 / Math.sqrt(settings.dataWeight),
    sigmas,
    stepScales,
    sigma,
    settings: { ...settings, sigma0: settings.sigma0 * 255, sigmaMin: settings.sigmaMin * 255 },
    ...(reference ? { reference: base64(toSolver(reference, image, layout)) } : {}),
  };
  if (loadedModelId !== model.id) plan.modelFile = (await fs.readFile(model.path)).toString('base64');
  return plan;
}
