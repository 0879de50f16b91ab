/**
 * Restoring one image with a prior: the engine-level API behind `gnc denoise`,
 * `gnc inpaint` and, later, the app's jobs. It validates the request, moves
 * the image to the solver's layout, runs the chosen solver with progress and
 * cancellation, and returns the image (unclipped floats) with its traces.
 */
import type { RasterImage } from '../image/types.js';
import { psnr, ssim } from '../image/metrics.js';
import { FoEPrior } from '../prior/foe.js';
import type { LoadedModel, SolverDefaults } from '../prior/model-file.js';
import { DenoisingTerm, InpaintingTerm, type DataTerm } from '../solve/data-terms.js';
import { proximalSteps, solveGncFlow } from '../solve/gnc-flow.js';
import { checkScheduleFits, pickSchedule, type VnSchedule } from '../vn/schedule-file.js';
import { scheduleLevelWarning } from '../vn/schedule-level.js';
import { solveJoint } from '../solve/joint.js';
import type { ScheduleShape } from '../solve/schedule.js';
import type { MethodName, SolveProblem, StepTrace } from '../solve/solver.js';
import { GncError, checkInteger, checkNumber, invalidArgument } from '../util/errors.js';
import { TiledPrior, tileFor } from '../solve/tiled-prior.js';
import { PooledPrior, type TilePool } from '../solve/tile-pool.js';
import { openOnnxPrior } from '../onnx/inference.js';
import { fromSolver, layoutFor, maskToSolver, solverPsnr, toSolver } from './layout.js';

export type TaskName = 'denoise' | 'inpaint';

export interface SolverSettings {
  method: MethodName;
  steps: number;
  /** σ values on the [0, 1] scale. */
  sigma0: number;
  sigmaMin: number;
  schedule: ScheduleShape;
  stepScale: number;
  tStep: number;
  /**
   * Weight w of the data term relative to the prior (default 1). Denoising:
   * w·‖x − z‖²/(2s²) equals the data term of noise level s/√w. Inpainting: no
   * effect, the observed pixels are a hard constraint.
   */
  dataWeight: number;
}

export interface RestoreRequest {
  task: TaskName;
  image: RasterImage;
  model: LoadedModel;
  /** Noise standard deviation on the [0, 1] scale (denoising). */
  sigma?: number;
  /** Observed-pixel mask, H·W, 1 = observed (inpainting). */
  mask?: Float32Array;
  /** Overrides of the model's recommended solver settings. */
  settings?: Partial<SolverSettings>;
  /** The VN schedule for method 'vn' (default: the shipped one nearest to the level). */
  schedule?: { file: string; schedule: VnSchedule };
  /** Clean image for PSNR in traces and results. */
  reference?: RasterImage;
  traceEnergy?: boolean;
  signal?: AbortSignal;
  onStep?: (trace: StepTrace, total: number) => void;
  /** Interior tile side for evaluating the prior (default DEFAULT_TILE). */
  tile?: number;
  /** Called after every tile of every prior evaluation (progress within a step). */
  onTile?: (done: number, total: number) => void;
  /** Evaluate the prior's tiles on this pool's worker threads (default: on this thread). */
  pool?: TilePool;
  /**
   * Let restore empty image.data once the pixels are in the solver's layout,
   * for a caller that has no further use for them: a 24 MP colour photo is
   * then not held twice (288 MB).
   */
  releaseInput?: boolean;
  /** Threads for onnxruntime, when the backend choice puts inference there (default: all cores). */
  threads?: number;
}

export interface RestoreResult {
  image: RasterImage;
  settings: SolverSettings;
  trace: StepTrace[];
  seconds: number;
  /** Threads that evaluated the prior (the pool's size, onnxruntime's threads, or 1). */
  threads: number;
  /** The engine that evaluated the prior. */
  inference?: 'onnxruntime-node' | 'tfjs';
  /** Of the output clipped to [0, 1], when a reference was given. */
  psnr?: number;
  ssim?: number;
  /** Of the input, when a reference was given. */
  inputPsnr?: number;
  /** The VN schedule used (method 'vn'); `warning` when the noise is well above the level it was learned for. */
  schedule?: { file: string; level: number; steps: number; warning?: string };
}

/** Used where neither the request nor the model says otherwise. */
export const FALLBACK_SETTINGS: Record<TaskName, SolverSettings> = {
  denoise: { method: 'gnc', steps: 15, sigma0: 0.4, sigmaMin: 0.02, schedule: 'log', stepScale: 1, tStep: 3, dataWeight: 1 },
  inpaint: { method: 'gnc', steps: 60, sigma0: 0.4, sigmaMin: 0.01, schedule: 'log', stepScale: 1, tStep: 3, dataWeight: 1 },
};

export function resolveSettings(task: TaskName, model: LoadedModel, overrides: Partial<SolverSettings> = {}): SolverSettings {
  const fromModel: SolverDefaults = model.metadata.defaults?.[task] ?? {};
  const merged: SolverSettings = { ...FALLBACK_SETTINGS[task] };
  for (const [k, v] of Object.entries(fromModel)) if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  if (merged.method !== 'gnc' && merged.method !== 'joint' && merged.method !== 'vn') throw invalidArgument('method', '"gnc", "joint" or "vn"', merged.method);
  if (merged.schedule !== 'linear' && merged.schedule !== 'log') throw invalidArgument('schedule', '"linear" or "log"', merged.schedule);
  checkInteger('steps', merged.steps, 1, 10_000);
  checkNumber('sigma0', merged.sigma0, 1e-4, 5);
  checkNumber('sigma-min', merged.sigmaMin, 1e-4, 5);
  if (merged.sigmaMin > merged.sigma0) {
    throw new GncError('invalid-argument', `sigma-min (${merged.sigmaMin * 255}) must not exceed sigma0 (${merged.sigma0 * 255}) on the 0–255 scale`);
  }
  checkNumber('step scale', merged.stepScale, 1e-4, 100);
  checkNumber('t step', merged.tStep, 0, 1e6);
  checkNumber('data weight', merged.dataWeight, 0.05, 20);
  return merged;
}

function scheduleUsed(used: { file: string; schedule: VnSchedule }, task: TaskName, sigma: number | undefined): NonNullable<RestoreResult['schedule']> {
  const warning = sigma !== undefined ? scheduleLevelWarning(task, used.schedule.level, sigma * 255) : undefined;
  return { file: used.file, level: used.schedule.level, steps: used.schedule.sigmas.length, ...(warning ? { warning } : {}) };
}

function checkSameSize(what: string, a: Pick<RasterImage, 'width' | 'height' | 'channels'>, b: Pick<RasterImage, 'width' | 'height' | 'channels'>): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new GncError(
      'invalid-argument',
      `The ${what} is ${b.width}×${b.height}×${b.channels} but the input is ${a.width}×${a.height}×${a.channels}`,
    );
  }
}

/**
 * Joint optimisation steps along ∂ₜR, which only a prior trained with the
 * t-term of the loss (α > 0) makes meaningful: a denoising-score-matching-only
 * prior measured 20.8 dB with joint against 29.5 dB with the GNC flow on
 * Set12 01/02/05. Refuse rather than return garbage.
 */
function checkMethodFits(model: LoadedModel, settings: SolverSettings): void {
  const trained = model.metadata.training as { settings?: { alpha?: number } } | undefined;
  if (settings.method === 'joint' && trained?.settings?.alpha === 0) {
    throw new GncError(
      'invalid-argument',
      `The model ${model.metadata.name} was trained without the t-term of the loss (alpha = 0), so its energy carries no information along σ and joint optimisation cannot work with it; use the GNC flow (method gnc)`,
    );
  }
}

function missingFraction(mask: Float32Array): number {
  let observed = 0;
  for (let i = 0; i < mask.length; i++) observed += mask[i]!;
  return 1 - observed / mask.length;
}

export function restore(request: RestoreRequest): RestoreResult {
  const { image, model, task } = request;
  const settings = resolveSettings(task, model, request.settings);
  checkMethodFits(model, settings);
  const prior = new FoEPrior(model.architecture, model.parameters);
  let onnx: ReturnType<typeof openOnnxPrior>;
  try {
    const tiling = {
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.onTile ? { onTile: request.onTile } : {}),
    };
    // onnxruntime when the backend choice allows it and it loads (src/onnx/inference.ts), else tfjs.
    onnx = request.pool
      ? undefined
      : openOnnxPrior(model.architecture, model.parameters, {
          ...tiling,
          ...(request.tile !== undefined ? { tile: request.tile } : {}),
          ...(request.threads !== undefined ? { threads: request.threads } : {}),
        });
    const tiled = onnx
      ? onnx.field
      : request.pool
      ? new PooledPrior(request.pool, prior.tRange, { ...tiling, tile: request.tile ?? tileFor(model.architecture) })
      : new TiledPrior(prior, { ...tiling, ...(request.tile !== undefined ? { tile: request.tile } : {}) });
    const layout = layoutFor(image, model.architecture.inChannels);
    const z = toSolver(image.data, image, layout);
    let data: DataTerm;
    if (task === 'denoise') {
      if (request.sigma === undefined) throw new GncError('invalid-argument', 'Denoising needs the noise level sigma');
      // The data term scaled by w is the data term of noise level s/√w.
      data = new DenoisingTerm(z, checkNumber('sigma', request.sigma, 1e-4, 1) / Math.sqrt(settings.dataWeight));
    } else {
      // dataWeight has no effect here: observed pixels are a hard constraint.
      if (!request.mask) throw new GncError('invalid-mask', 'Inpainting needs a mask');
      const n = layout.shape.n;
      data = new InpaintingTerm(z, maskToSolver(request.mask, layout), n, layout.shape.c);
    }
    if (request.reference) checkSameSize('reference image', image, request.reference);
    const inputPsnr = request.reference ? psnr(image.data, request.reference.data) : undefined;
    if (request.releaseInput && z !== image.data) image.data = new Float32Array(0);
    const problem: SolveProblem = {
      prior: tiled,
      data,
      shape: layout.shape,
      // Plane by plane (one plane's gradient held at a time), except on a
      // tile pool, whose threads share out the tiles of all planes at once.
      samplewise: !request.pool,
      ...(request.reference ? { score: solverPsnr(request.reference.data, image, layout) } : {}),
    };
    const callbacks = { signal: request.signal, onStep: request.onStep, traceEnergy: request.traceEnergy };
    let used: { file: string; schedule: VnSchedule } | undefined;
    let solved;
    if (settings.method === 'vn') {
      const named = { id: model.id, name: model.metadata.name };
      used = request.schedule ?? pickSchedule(named, task, task === 'denoise' ? request.sigma! * 255 : missingFraction(request.mask!));
      checkScheduleFits(used.schedule, named, used.file);
      if (used.schedule.task !== task) throw new GncError('invalid-argument', `The schedule ${used.file} is for ${used.schedule.task}, not ${task}`);
      solved = proximalSteps(problem, used.schedule.sigmas.map((s) => s / 255), used.schedule.stepScales, callbacks, 'vn');
    } else if (settings.method === 'gnc') {
      solved = solveGncFlow(problem, { ...callbacks, ...settings });
    } else {
      solved = solveJoint(problem, { ...callbacks, steps: settings.steps, sigma0: settings.sigma0, sigmaMin: settings.sigmaMin, stepScale: settings.stepScale, tStep: settings.tStep });
    }
    // onnxruntime's sessions (and their memory) go before the output is formed.
    onnx?.dispose();
    // The noisy planes are spent: the RGB output goes into their buffer
    // (z is restore's own there, not the caller's image).
    const out: RasterImage = { width: image.width, height: image.height, channels: image.channels, data: fromSolver(solved.x, image, layout, layout.mode === 'opponent-planes' ? z : undefined) };
    const result: RestoreResult = {
      image: out,
      settings: used ? { ...settings, steps: used.schedule.sigmas.length } : settings,
      trace: solved.trace,
      seconds: solved.seconds,
      threads: onnx?.threads ?? request.pool?.size ?? 1,
      inference: onnx ? 'onnxruntime-node' : 'tfjs',
      ...(used ? { schedule: scheduleUsed(used, task, request.sigma) } : {}),
    };
    if (request.reference) {
      // Of the output clipped to [0, 1] (what an integer file holds), without a clipped copy.
      result.psnr = psnr(out.data, request.reference.data, 1, { clipA: true });
      result.ssim = ssim(out.data, request.reference.data, image.width, image.height, image.channels, { clipA: true });
      result.inputPsnr = inputPsnr!;
    }
    return result;
  } finally {
    prior.dispose();
    onnx?.dispose();
  }
}
