/**
 * The training loop for GNC priors (method.md §3): patches from a folder,
 * σ drawn per patch log-uniformly, the joint score-matching loss, AdaBelief
 * with cosine learning-rate decay, periodic validation and atomic checkpoints.
 * A library function with progress callbacks and an AbortSignal, so the CLI
 * and the app drive the same code; a cancelled run saves a checkpoint first.
 */
import path from 'node:path';
import { tf } from '../engine/tf.js';
import { FoEPrior, parameterShapes, type FoEArchitecture, type FoEParameters } from '../prior/foe.js';
import { foeArchitecture, initialParameters } from '../prior/factory.js';
import { decodeModel, encodeModel, saveModel, type ModelMetadata } from '../prior/model-file.js';
import { addGaussianNoise } from '../image/noise.js';
import { readImage } from '../image/io.js';
import { psnr } from '../image/metrics.js';
import { greyCrop } from '../image/colour.js';
import { GncError, checkInteger, checkNumber } from '../util/errors.js';
import { Prng } from '../util/random.js';
import { AdaBelief } from './adabelief.js';
import { cosineLearningRate } from './lr-schedule.js';
import { scoreMatchingLoss, type TrainableFoE } from './loss.js';
import { PatchSampler } from './patches.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointData, type TrainingRecord } from './checkpoint.js';
import { wienerInitialise } from './wiener-init.js';

export interface TrainSettings {
  data: string;
  layers: number;
  features: number;
  patch: number;
  batch: number;
  iterations: number;
  seed: number;
  /** Weight α of the t-term. */
  alpha: number;
  lr: number;
  lrMin: number;
  /** Trained σ range on the [0, 1] scale. */
  sigmaMin: number;
  sigmaMax: number;
  nz: number;
  nt: number;
  holdout: number;
  /** Start of the last potential: z²/2, or the Gaussian (Wiener) energy fitted to the data (wiener-init.ts). */
  init: 'quadratic' | 'wiener';
  validateEvery: number;
  checkpointEvery: number;
}

export const DEFAULT_TRAIN_SETTINGS: Omit<TrainSettings, 'data'> = {
  layers: 1,
  features: 48,
  patch: 64,
  batch: 16,
  iterations: 1000,
  seed: 1,
  alpha: 1,
  lr: 1e-2,
  lrMin: 1e-4,
  sigmaMin: 0.01,
  sigmaMax: 0.6,
  nz: 63,
  nt: 11,
  holdout: 8,
  init: 'wiener',
  validateEvery: 100,
  checkpointEvery: 100,
};

export interface TrainProgress {
  iteration: number;
  iterations: number;
  loss: number;
  dsm: number;
  tTerm: number;
  lr: number;
  /** Iterations per second over this run. */
  rate: number;
  etaSeconds: number;
  validation?: Record<string, number>;
}

export interface TrainRun {
  settings: TrainSettings;
  /** Where the final model goes. */
  out: string;
  /** Where checkpoints go (default: OUT with .gnck). */
  checkpoint?: string;
  /** Continue from this checkpoint. */
  resume?: string;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  onCheckpoint?: (file: string, iteration: number) => void;
}

export interface TrainResult {
  out: string;
  id: string;
  iterations: number;
  seconds: number;
  validation: Record<string, number>;
  history: TrainingRecord[];
}

export function checkSettings(s: TrainSettings): TrainSettings {
  checkInteger('layers', s.layers, 1, 3);
  checkInteger('filters', s.features, 1, 256);
  checkInteger('patch', s.patch, 16, 512);
  checkInteger('batch', s.batch, 1, 1024);
  checkInteger('iterations', s.iterations, 1, 10_000_000);
  checkNumber('alpha', s.alpha, 0, 1000);
  checkNumber('lr', s.lr, 1e-8, 10);
  checkNumber('lr-min', s.lrMin, 0, s.lr);
  checkNumber('sigma-min', s.sigmaMin, 1e-4, 1);
  checkNumber('sigma-max', s.sigmaMax, s.sigmaMin * 1.01, 5);
  checkInteger('validate-every', s.validateEvery, 1, 10_000_000);
  checkInteger('checkpoint-every', s.checkpointEvery, 1, 10_000_000);
  return s;
}

/** Validation σ (0–255 scale) for the Tweedie one-step figure. */
const VALIDATION_SIGMAS = [15, 25, 50];

function toTrainable(arch: FoEArchitecture, params: FoEParameters): TrainableFoE {
  const shapes = parameterShapes(arch);
  return {
    arch,
    kernels: params.kernels.map((k, l) => tf.variable(tf.tensor(k, shapes.kernels[l]!), true, `kernel${l}`)),
    splines: params.splines.map((w, l) => tf.variable(tf.tensor(w, shapes.splines[l]!), true, `spline${l}`)),
  };
}

/** Tweedie one-step denoising x̂ = y − σ²∇R(y, log σ) on fixed held-out crops: mean PSNR per σ. */
async function validate(arch: FoEArchitecture, params: FoEParameters, crops: Float32Array[], size: number, seed: number): Promise<Record<string, number>> {
  const prior = new FoEPrior(arch, params);
  try {
    const out: Record<string, number> = {};
    for (const s255 of VALIDATION_SIGMAS) {
      const sigma = s255 / 255;
      let sum = 0;
      crops.forEach((clean, i) => {
        const y = addGaussianNoise(clean, sigma, seed + i);
        const g = prior.evaluate(y, { n: 1, h: size, w: size, c: arch.inChannels }, [Math.log(sigma)], { gradX: true }).gradX!;
        const x = y.map((v, k) => v - sigma * sigma * g[k]!);
        sum += psnr(x, clean);
      });
      out[String(s255)] = sum / crops.length;
    }
    return out;
  } finally {
    prior.dispose();
  }
}

/** Centre crops of the held-out images (grey), the same every run. */
export async function validationCrops(files: readonly string[], size: number): Promise<Float32Array[]> {
  const crops: Float32Array[] = [];
  for (const file of files) {
    const img = await readImage(file);
    if (img.width < size || img.height < size) continue;
    const x0 = Math.floor((img.width - size) / 2);
    const y0 = Math.floor((img.height - size) / 2);
    crops.push(greyCrop(img, x0, y0, size));
  }
  return crops;
}

export async function train(run: TrainRun): Promise<TrainResult> {
  const checkpointFile = run.checkpoint ?? run.out.replace(/\.gncm$/i, '') + '.gnck';
  let settings = checkSettings({ ...run.settings });
  let resumed: CheckpointData<TrainSettings> | undefined;
  if (run.resume) {
    resumed = await loadCheckpoint<TrainSettings>(run.resume);
    // The run continues with its own settings; only the length may grow.
    settings = { ...resumed.settings, iterations: Math.max(resumed.settings.iterations, run.settings.iterations ?? 0) };
  }
  const samplerOptions = { dir: settings.data, patchSize: settings.patch, batchSize: settings.batch, channels: 1 as const, seed: settings.seed, holdout: settings.holdout };
  const sampler = resumed ? await PatchSampler.restore(samplerOptions, resumed.sampler) : await PatchSampler.create(samplerOptions);
  let arch: FoEArchitecture;
  let params: FoEParameters;
  if (resumed) {
    const m = decodeModel(resumed.model, run.resume);
    arch = m.architecture;
    params = m.parameters;
  } else {
    arch = foeArchitecture({ layers: settings.layers, features: settings.features, sigmaMin: settings.sigmaMin, sigmaMax: settings.sigmaMax, nz: settings.nz, nt: settings.nt });
    params = initialParameters(arch, settings.seed);
    if (settings.init === 'wiener') {
      // Feature variances from patches of a separate, seeded sampler so the training stream is untouched.
      const probe = await PatchSampler.create({ ...samplerOptions, seed: settings.seed + 1, batchSize: Math.max(32, settings.batch) });
      const batch = await probe.next();
      params = wienerInitialise(arch, params, batch.data, batch.shape);
    }
  }
  const model = toTrainable(arch, params);
  const groups = Object.fromEntries([...model.kernels, ...model.splines].map((v, i) => [v.name, i < model.kernels.length ? params.kernels[i]! : params.splines[i - model.kernels.length]!]));
  const optimizer = resumed ? AdaBelief.restore(groups, resumed.optimizer) : new AdaBelief(groups);
  const rng = resumed ? Prng.fromState(resumed.rng) : new Prng(settings.seed * 7919 + 17);
  const history: TrainingRecord[] = resumed ? [...resumed.history] : [];
  const validations = resumed ? [...resumed.validation] : [];
  const cropSize = Math.min(96, settings.patch * 2);
  const crops = await validationCrops(sampler.validationFiles, cropSize);
  const tMin = Math.log(settings.sigmaMin);
  const tMax = Math.log(settings.sigmaMax);
  let iteration = resumed?.iteration ?? 0;
  const secondsBefore = resumed?.seconds ?? 0;
  const started = performance.now();
  const startIteration = iteration;
  const elapsed = () => secondsBefore + (performance.now() - started) / 1000;

  const currentParams = (): FoEParameters => ({
    kernels: model.kernels.map((_, l) => groups[`kernel${l}`]!),
    splines: model.splines.map((_, l) => groups[`spline${l}`]!),
  });
  const metadata = (validation: Record<string, number>): ModelMetadata => ({
    name: path.basename(run.out, '.gncm'),
    description: `GNC prior trained by joint score matching: ${arch.layers.length} layer(s), ${arch.layers.map((l) => l.features).join('/')} features.`,
    training: {
      kind: 'joint-score-matching',
      data: `${path.basename(path.resolve(settings.data))} (${sampler.trainingFiles.length} training images, ${sampler.validationFiles.length} held out)`,
      settings,
      iterations: iteration,
      seconds: Math.round(elapsed()),
      validation: { method: 'Tweedie one-step PSNR on held-out centre crops', sigma255: validation },
      lossTail: history.slice(-20),
    },
  });
  const writeCheckpoint = async () => {
    const enc = encodeModel(arch, currentParams(), metadata(validations.at(-1)?.psnr ?? {}));
    await saveCheckpoint(checkpointFile, {
      iteration,
      settings,
      model: enc,
      optimizer: optimizer.state(),
      sampler: sampler.state(),
      rng: rng.getState(),
      history,
      validation: validations,
      seconds: elapsed(),
    });
    run.onCheckpoint?.(checkpointFile, iteration);
  };

  try {
    while (iteration < settings.iterations) {
      if (run.signal?.aborted) {
        await writeCheckpoint();
        throw new GncError('cancelled', `Training was cancelled at iteration ${iteration}; checkpoint saved to ${checkpointFile}`);
      }
      const batch = await sampler.next();
      const ts = Array.from({ length: settings.batch }, () => tMin + (tMax - tMin) * rng.uniform());
      const noise = new Float32Array(batch.data.length);
      for (let i = 0; i < noise.length; i++) noise[i] = rng.gaussian();
      const lr = cosineLearningRate(iteration, settings.iterations, settings.lr, settings.lrMin);
      const record = tf.tidy(() => {
        let parts: number[] = [];
        const { grads } = tf.variableGrads(() => {
          const terms = scoreMatchingLoss(model, { clean: batch.data, noise, ts, shape: batch.shape, tRange: { tMin, tMax } }, settings.alpha);
          parts = [terms.dsm, terms.tTerm].map((t) => t.dataSync()[0]!);
          return terms.total;
        }, [...model.kernels, ...model.splines]);
        const g = Object.fromEntries(Object.entries(grads).map(([name, t]) => [name, t.dataSync() as Float32Array]));
        return { g, dsm: parts[0]!, tTerm: parts[1]! };
      });
      optimizer.step(record.g, lr);
      model.kernels.forEach((v, l) => v.assign(tf.tensor(groups[`kernel${l}`]!, v.shape)));
      model.splines.forEach((v, l) => v.assign(tf.tensor(groups[`spline${l}`]!, v.shape)));
      iteration++;
      const entry: TrainingRecord = { iteration, loss: record.dsm + settings.alpha * record.tTerm, dsm: record.dsm, tTerm: record.tTerm, lr };
      history.push(entry);
      let validation: Record<string, number> | undefined;
      if (crops.length && (iteration % settings.validateEvery === 0 || iteration === settings.iterations)) {
        validation = await validate(arch, currentParams(), crops, cropSize, settings.seed);
        validations.push({ iteration, psnr: validation });
      }
      const rate = (iteration - startIteration) / Math.max(1e-9, (performance.now() - started) / 1000);
      run.onProgress?.({ ...entry, iterations: settings.iterations, rate, etaSeconds: (settings.iterations - iteration) / rate, ...(validation ? { validation } : {}) });
      if (iteration % settings.checkpointEvery === 0 && iteration < settings.iterations) await writeCheckpoint();
      // Let signal handlers and other callbacks run between iterations.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const finalValidation = validations.at(-1)?.psnr ?? {};
    await writeCheckpoint();
    const id = await saveModel(run.out, arch, currentParams(), metadata(finalValidation));
    return { out: run.out, id, iterations: iteration, seconds: elapsed(), validation: finalValidation, history };
  } finally {
    model.kernels.forEach((v) => v.dispose());
    model.splines.forEach((v) => v.dispose());
  }
}
