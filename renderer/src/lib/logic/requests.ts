/** Job requests built from what the panels hold (pure, so they are tested without the DOM). */
import type { CropRect, DenoiseSubmit, InpaintSubmit, ModelSummary, SolverSettings, TrainSettings, TrainSubmit } from '../api/types.js';
import { FALLBACK_SCHEDULE, type ScheduleValues } from './params.js';

export interface DenoiseForm {
  model: string | undefined;
  /** For method 'vn': the library schedule (default: the one nearest the noise level). */
  scheduleId?: string | undefined;
  /** A clean version of the photo (session image id): PSNR per step. Not sent with `synthetic`, whose reference is the photo itself. */
  cleanImageId?: string | undefined;
  sigma: number;
  /** Add synthetic noise of level `sigma` first (a test: PSNR is then known). */
  synthetic: boolean;
  seed: number;
  schedule: ScheduleValues;
}

export interface InpaintForm {
  model: string | undefined;
  scheduleId?: string | undefined;
  /** A clean version of the photo (session image id): PSNR per step. */
  cleanImageId?: string | undefined;
  schedule: ScheduleValues;
}

/** Solver settings for a request; a learned (VN) schedule brings its own steps and σ, so only the method goes. */
export function settingsOf(s: ScheduleValues): SolverSettings {
  // The data weight goes only when it is not the engine's default of 1 (it has no effect on inpainting).
  const weight = s.dataWeight !== 1 ? { dataWeight: s.dataWeight } : {};
  if (s.method === 'vn') return { method: 'vn', ...weight };
  return { method: s.method, steps: s.steps, sigma0: s.sigma0, sigmaMin: s.sigmaMin, schedule: s.schedule, stepScale: s.stepScale, tStep: s.tStep, ...weight };
}

/** The schedule a model recommends for a task (its method only if the model can run it: else GNC flow), or the app's fallback. */
export function scheduleFromModel(model: ModelSummary | undefined, task: 'denoise' | 'inpaint'): ScheduleValues {
  const d = model?.defaults?.[task];
  if (!d) return { ...FALLBACK_SCHEDULE, steps: task === 'inpaint' ? 60 : FALLBACK_SCHEDULE.steps };
  const method = model.methods.includes(d.method) ? d.method : 'gnc';
  return { method, schedule: d.schedule, sigma0: d.sigma0, sigmaMin: Math.min(d.sigmaMin, d.sigma0), steps: d.steps, stepScale: d.stepScale, tStep: d.tStep, dataWeight: d.dataWeight ?? 1 };
}

export function denoiseRequest(form: DenoiseForm, imageId: string, crop?: CropRect): DenoiseSubmit {
  const req: DenoiseSubmit = { kind: 'denoise', imageId, settings: settingsOf(form.schedule) };
  if (form.model) req.model = form.model;
  if (form.schedule.method === 'vn' && form.scheduleId) req.scheduleId = form.scheduleId;
  if (form.synthetic) {
    req.addNoise = form.sigma;
    req.seed = form.seed;
  } else {
    req.sigma = form.sigma;
    if (form.cleanImageId) req.cleanImageId = form.cleanImageId;
  }
  if (crop) {
    req.crop = crop;
    req.record = false;
    req.traceEnergy = false;
  } else {
    req.traceEnergy = true;
  }
  return req;
}

export function inpaintRequest(form: InpaintForm, imageId: string, maskId: string, crop?: CropRect): InpaintSubmit {
  const req: InpaintSubmit = { kind: 'inpaint', imageId, maskId, settings: settingsOf(form.schedule) };
  if (form.model) req.model = form.model;
  if (form.schedule.method === 'vn' && form.scheduleId) req.scheduleId = form.scheduleId;
  if (form.cleanImageId) req.cleanImageId = form.cleanImageId;
  if (crop) {
    req.crop = crop;
    req.record = false;
    req.traceEnergy = false;
  } else {
    req.traceEnergy = true;
  }
  return req;
}

export interface TrainForm {
  data: string;
  name: string;
  settings: Required<Pick<TrainSettings, 'iterations' | 'layers' | 'features' | 'patch' | 'batch' | 'lr' | 'sigmaMin' | 'sigmaMax' | 'validateEvery' | 'checkpointEvery'>>;
}

export const DEFAULT_TRAIN: TrainForm['settings'] = {
  iterations: 2000,
  layers: 1,
  features: 24,
  patch: 64,
  batch: 8,
  lr: 0.003,
  sigmaMin: 1,
  sigmaMax: 100,
  validateEvery: 200,
  checkpointEvery: 200,
};

/** A training request, or a message saying what is missing or inconsistent. */
export function trainRequest(form: TrainForm): { ok: true; request: TrainSubmit } | { ok: false; message: string } {
  const data = form.data.trim();
  if (!data) return { ok: false, message: 'Choose the folder of training photos (a path on this computer).' };
  if (form.settings.sigmaMin >= form.settings.sigmaMax) return { ok: false, message: `σ min (${form.settings.sigmaMin}) must be below σ max (${form.settings.sigmaMax}).` };
  const request: TrainSubmit = { kind: 'train', data, settings: { ...form.settings } };
  const name = form.name.trim();
  if (name) request.name = name;
  return { ok: true, request };
}

/** A paused training run the view can continue: its library id and the iteration its checkpoint holds. */
export interface PausedRun {
  trainingId: string;
  iteration: number;
}

/**
 * Continues a paused run. Only the length is sent: the checkpoint's own
 * settings win on the engine side, and the photos are the paused run's.
 */
export function resumeRequest(paused: PausedRun, form: Pick<TrainForm, 'name' | 'settings'>): TrainSubmit {
  const request: TrainSubmit = { kind: 'train', resumeTrainingId: paused.trainingId, settings: { iterations: form.settings.iterations } };
  const name = form.name.trim();
  if (name) request.name = name;
  return request;
}

/** The newest run the library can resume (list is newest first), as a PausedRun. */
export function latestPaused(runs: ReadonlyArray<{ id: string; resumable: boolean; iterations: number | null }>): PausedRun | null {
  const run = runs.find((r) => r.resumable);
  return run ? { trainingId: run.id, iteration: run.iterations ?? 0 } : null;
}

/** Joins a folder and a file name with the folder's own separator. */
export function joinPath(dir: string, name: string): string {
  if (!dir) return name;
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

/** The path with its extension replaced (or added). */
export function withExtension(path: string, ext: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dot = path.lastIndexOf('.');
  const base = dot > slash + 1 ? path.slice(0, dot) : path;
  return `${base}.${ext}`;
}

export const FORMAT_EXTENSIONS = { png: 'png', jpeg: 'jpg', tiff: 'tif', webp: 'webp' } as const;
