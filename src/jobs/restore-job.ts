/**
 * A denoise or inpaint job from files to files: read the image (and mask,
 * reference), restore it tile by tile with progress and cancellation, then
 * write every requested output atomically. Nothing is written unless the
 * solve finished, so a cancelled job leaves no partial output.
 */
import { formatFromPath, readImage, readMask, writeImage } from '../image/io.js';
import { addGaussianNoise } from '../image/noise.js';
import { estimateNoiseSigma, estimatePoissonGaussian } from '../image/noise-estimate.js';
import { psnr, ssim } from '../image/metrics.js';
import { stabiliser, type Stabiliser } from '../image/vst.js';
import type { DecodedImage } from '../image/types.js';
import { selectBackend } from '../engine/backend.js';
import { DEFAULT_MODEL, resolveModel } from '../prior/registry.js';
import { restore, resolveSettings, type SolverSettings } from '../restore/restore.js';
import { layoutFor } from '../restore/layout.js';
import { tileFor, tileGrid } from '../solve/tiled-prior.js';
import { TilePool, pooledTileFor, resolveThreads } from '../solve/tile-pool.js';
import { prefersOnnx } from '../onnx/inference.js';
import { foeKernelSpec } from '../solve/foe-tile-kernel.js';
import { peakRssMB } from '../util/memory.js';
import { loadSchedule, pickSchedule } from '../vn/schedule-file.js';
import { GncError, throwIfAborted } from '../util/errors.js';
import type { DenoiseJobRequest, InpaintJobRequest, NoiseReport, RestoreJobResult, SolverSettings255, TracePoint } from './contract.js';
import type { JobContext } from './job-context.js';

/** An estimate below this (0–255; a clean or nearly clean photo) is raised to it: the solver needs σ > 0. */
export const MIN_ESTIMATED_SIGMA = 0.5;

function toEngineSettings(s: SolverSettings255 = {}): Partial<SolverSettings> {
  return {
    ...s,
    ...(s.sigma0 !== undefined ? { sigma0: s.sigma0 / 255 } : {}),
    ...(s.sigmaMin !== undefined ? { sigmaMin: s.sigmaMin / 255 } : {}),
  };
}

export async function runRestoreJob(request: DenoiseJobRequest | InpaintJobRequest, ctx: JobContext): Promise<RestoreJobResult> {
  const task = request.kind;
  const outputs = request.outputs ?? [];
  // Checked first so a bad output name fails before the solve, not after it.
  const formats = outputs.map((file) => formatFromPath(file));
  ctx.progress({ fraction: 0, message: 'loading', elapsed: ctx.elapsed() });
  const backend = await selectBackend(request.backend ?? 'auto');
  const model = await resolveModel(request.model ?? DEFAULT_MODEL);
  const image = await readImage(request.input);
  throwIfAborted(ctx.signal, task);

  let input: DecodedImage = image;
  let reference: DecodedImage | undefined;
  let sigma: number | undefined;
  let noise: NoiseReport | undefined;
  let vst: Stabiliser | undefined;
  /** The noisy pixels before stabilisation (for the input PSNR). */
  let observed: Float32Array | undefined;
  if (request.kind === 'denoise') {
    if (request.addNoise !== undefined) {
      input = { ...image, data: addGaussianNoise(image.data, request.addNoise / 255, request.seed ?? 0) };
      reference = image;
    }
    const model = request.noiseModel ?? 'gaussian';
    if (model === 'poisson-gaussian') {
      if (typeof request.sigma === 'number') {
        throw new GncError('invalid-argument', `sigma ${request.sigma} does not apply with the poisson-gaussian noise model: its gain and offset are estimated from the image (leave sigma unset or "auto")`);
      }
      ctx.progress({ fraction: 0, message: 'estimating the noise (Poisson–Gaussian)', elapsed: ctx.elapsed() });
      const { a, b } = estimatePoissonGaussian(input);
      // A flat noise curve at zero (a clean image) still needs a noise level to stabilise against.
      vst = stabiliser(a > 0 || b > 0 ? { a, b } : { a: 0, b: (MIN_ESTIMATED_SIGMA / 255) ** 2 });
      sigma = vst.sigma;
      observed = input.data;
      input = { ...input, data: vst.forward(input.data) };
      noise = { model, source: 'estimated', sigma: sigma * 255, a, b };
    } else if (typeof request.sigma === 'number') {
      sigma = request.sigma / 255;
      noise = { model, source: 'given', sigma: request.sigma };
    } else if (request.addNoise !== undefined && request.sigma === undefined) {
      sigma = request.addNoise / 255;
      noise = { model, source: 'added', sigma: request.addNoise };
    } else {
      ctx.progress({ fraction: 0, message: 'estimating the noise level', elapsed: ctx.elapsed() });
      const estimate = estimateNoiseSigma(input);
      const used = Math.min(255, Math.max(MIN_ESTIMATED_SIGMA, estimate));
      sigma = used / 255;
      noise = { model, source: 'estimated', sigma: used };
    }
  }
  if (request.clean) reference = await readImage(request.clean);
  const mask = request.kind === 'inpaint' ? await readMask(request.mask, image.width, image.height) : undefined;
  if (mask) {
    // Hidden pixels carry no information; zero them so results never depend on them.
    input = { ...image, data: image.data.slice() };
    const c = image.channels;
    for (let p = 0; p < mask.length; p++) if (!mask[p]) for (let k = 0; k < c; k++) input.data[p * c + k] = 0;
  }
  throwIfAborted(ctx.signal, task);

  const settings = resolveSettings(task, model, toEngineSettings(request.settings));
  // A VN schedule fixes the steps: load or pick it now so progress knows them.
  const schedule =
    settings.method !== 'vn'
      ? undefined
      : request.schedule
        ? { file: request.schedule, schedule: loadSchedule(request.schedule) }
        : pickSchedule({ id: model.id, name: model.name }, task, task === 'denoise' ? sigma! * 255 : 1 - mask!.reduce((a, b) => a + b, 0) / mask!.length);
  if (schedule) settings.steps = schedule.schedule.sigmas.length;
  const traceEnergy = request.traceEnergy ?? true;
  const layout = layoutFor(image, model.architecture.inChannels);
  // All cores: a pool of tile workers (each its own backend instance and model)
  // when more than one thread is wanted and there is more than one work item
  // (one sample of one tile); pooled tiles are smaller, since every worker
  // holds a tile's feature maps at once. onnxruntime (backend auto/onnx,
  // src/onnx) instead runs each tile on all its threads: no pool.
  const onnx = prefersOnnx();
  const items = (side: number) => tileGrid(layout.shape.h, layout.shape.w, side).length * layout.shape.n;
  const threads = onnx ? resolveThreads(request.threads) : Math.min(resolveThreads(request.threads, backend.threads), items(request.tile ?? tileFor(model.architecture)));
  const tile = request.tile ?? (threads > 1 && !onnx ? pooledTileFor(model.architecture) : tileFor(model.architecture));
  const tilesPerEvaluation = tileGrid(layout.shape.h, layout.shape.w, tile).length;
  // Prior evaluations: ∇ₓR per step (+ ∂ₜR for joint), the energy of each iterate and of the start.
  const perStep = (settings.method === 'joint' ? 2 : 1) + (traceEnergy ? 1 : 0);
  const totalTiles = tilesPerEvaluation * (perStep * settings.steps + (traceEnergy ? 1 : 0));
  let tilesDone = 0;
  let stepsDone = 0;
  let lastTrace: TracePoint | undefined;
  const started = ctx.elapsed();
  const report = (message: string) => {
    const fraction = Math.min(1, tilesDone / totalTiles);
    const spent = ctx.elapsed() - started;
    ctx.progress({
      fraction,
      message,
      step: stepsDone,
      steps: settings.steps,
      elapsed: ctx.elapsed(),
      ...(fraction > 0 ? { eta: (spent / fraction) * (1 - fraction) } : {}),
      ...(lastTrace ? { trace: lastTrace } : {}),
    });
  };

  ctx.progress({ fraction: 0, message: onnx ? `solving on onnxruntime (${threads} threads)` : threads > 1 ? `starting ${threads} threads` : 'solving', elapsed: ctx.elapsed() });
  const pool = threads > 1 && !onnx ? await TilePool.create({ threads, kernel: foeKernelSpec(model.architecture, model.parameters, backend.name) }) : undefined;
  let result;
  try {
    throwIfAborted(ctx.signal, task);
    result = restore({
      task,
      image: input,
      model,
      ...(sigma !== undefined ? { sigma } : {}),
      ...(mask ? { mask } : {}),
      // Under a VST the solver's image is the stabilised one; PSNR is measured after inverting it.
      ...(reference && !vst ? { reference } : {}),
      settings: toEngineSettings(request.settings),
      ...(schedule ? { schedule } : {}),
      traceEnergy,
      tile,
      signal: ctx.signal,
      onTile: (done, total) => {
        tilesDone += 1;
        ctx.poll();
        report(`step ${Math.min(stepsDone + 1, settings.steps)}/${settings.steps}, tile ${done}/${total}`);
      },
      onStep: (trace) => {
        stepsDone = trace.step;
        lastTrace = { ...trace, sigma: trace.sigma * 255 };
        ctx.poll();
        report(`step ${stepsDone}/${settings.steps}`);
      },
      ...(pool ? { pool } : {}),
      ...(onnx ? { threads } : {}),
      // input is this job's own (or the decoded file's, needed no more).
      releaseInput: true,
    });
  } finally {
    await pool?.terminate();
  }
  throwIfAborted(ctx.signal, task);
  if (vst) {
    result.image = { ...result.image, data: vst.inverse(result.image.data) };
    if (reference) {
      result.psnr = psnr(result.image.data, reference.data, 1, { clipA: true });
      result.ssim = ssim(result.image.data, reference.data, image.width, image.height, image.channels, { clipA: true });
      result.inputPsnr = psnr(observed!, reference.data);
    }
  }

  // JPEG and WebP hold 8 bits whatever is asked; report what is written.
  const wanted = request.bitDepth ?? (image.bitDepth === 32 ? 16 : image.bitDepth);
  const bitDepths = formats.map((format) => (format === 'jpeg' || format === 'webp' ? 8 : wanted));
  ctx.progress({ fraction: 1, message: 'writing', step: settings.steps, steps: settings.steps, elapsed: ctx.elapsed() });
  for (let i = 0; i < outputs.length; i++) {
    await writeImage(outputs[i]!, { ...result.image, alpha: image.alpha, icc: image.icc, exif: image.exif, bitDepth: bitDepths[i]! }, { bitDepth: bitDepths[i]! });
  }

  const s = result.settings;
  return {
    kind: task,
    input: request.input,
    outputs,
    width: image.width,
    height: image.height,
    channels: image.channels,
    bitDepth: bitDepths[0] ?? wanted,
    // The engine that evaluated the prior: onnxruntime when it did (src/onnx), else the tfjs backend.
    backend:
      result.inference === 'onnxruntime-node'
        ? { name: 'onnx', device: 'cpu', threads: result.threads, package: 'onnxruntime-node' }
        : { name: backend.name, device: backend.device, threads: backend.threads, ...(backend.package ? { package: backend.package } : {}) },
    model: { name: model.name, id: model.id, path: model.path },
    method: s.method,
    steps: s.steps,
    ...(result.schedule ? { schedule: result.schedule } : {}),
    settings: { method: s.method, steps: s.steps, sigma0: s.sigma0 * 255, sigmaMin: s.sigmaMin * 255, schedule: s.schedule, stepScale: s.stepScale, tStep: s.tStep, dataWeight: s.dataWeight },
    ...(sigma !== undefined ? { sigma: sigma * 255 } : {}),
    ...(noise ? { noise } : {}),
    ...(request.kind === 'denoise' && request.addNoise !== undefined ? { addedNoise: { sigma: request.addNoise, seed: request.seed ?? 0 } } : {}),
    ...(mask ? { missingFraction: 1 - mask.reduce((a, b) => a + b, 0) / mask.length } : {}),
    tile,
    tiles: tilesPerEvaluation,
    threads: result.threads,
    seconds: Number(result.seconds.toFixed(3)),
    ...(result.psnr !== undefined ? { psnr: result.psnr, ssim: result.ssim!, inputPsnr: result.inputPsnr! } : {}),
    trace: result.trace.map((t) => ({ ...t, sigma: t.sigma * 255 })),
    peakRssMB: peakRssMB(),
  };
}
