/**
 * Learns a VN schedule (method.md §4.3): T proximal-gradient steps
 *
 *   x_{i+1} = prox_{λᵢσᵢ² D}(x_i − λᵢσᵢ² ∇ₓR(x_i, tᵢ)),  σᵢ = e^{tᵢ},
 *
 * with tᵢ and log λᵢ learned end to end by back-propagating the mean squared
 * error of x_T through all T steps (tfjs, vn-ops.ts), on random patches of a
 * folder of clean images with synthetic noise of one level (denoising) or a
 * random mask of one missing ratio (inpainting). The prior stays fixed
 * unless `finetune` is set: then its filters and spline weights are trained
 * through the same unrolled steps as well (the paper's "task-specific
 * fine-tuning of the entire model", §4.3), with their own optimiser and a
 * smaller learning rate, and the result is a new model the schedule is bound to.
 * Seeded, checkpointed every few iterations, resumable bit for bit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tf } from '../engine/tf.js';
import { psnr } from '../image/metrics.js';
import { FoEPrior, type FoEParameters } from '../prior/foe.js';
import type { ResolvedModel } from '../prior/registry.js';
import { DenoisingTerm, InpaintingTerm, type DataTerm } from '../solve/data-terms.js';
import { proximalSteps } from '../solve/gnc-flow.js';
import { sigmaSchedule } from '../solve/schedule.js';
import { AdaBelief, adaBeliefStateFromJSON, adaBeliefStateToJSON, type AdaBeliefStateJSON } from '../train/adabelief.js';
import { cosineLearningRate } from '../train/lr-schedule.js';
import { PatchSampler, type PatchSamplerState } from '../train/patches.js';
import { validationCrops } from '../train/trainer.js';
import { writeFileAtomic } from '../util/atomic.js';
import { GncError, checkInteger, checkNumber } from '../util/errors.js';
import { Prng } from '../util/random.js';
import { SCHEDULE_FORMAT, SCHEDULE_VERSION, type VnSchedule } from './schedule-file.js';
import { scoreGradient, type PriorTensors } from './vn-ops.js';

export interface LearnScheduleOptions {
  model: ResolvedModel;
  task: 'denoise' | 'inpaint';
  /** Noise σ (0–255) or missing fraction. */
  level: number;
  steps: number;
  data: string;
  iterations: number;
  patch?: number;
  batch?: number;
  seed?: number;
  lr?: number;
  holdout?: number;
  /** Start: the model's GNC schedule for the task resampled to `steps` (σ on 0–255). */
  sigma0?: number;
  sigmaMin?: number;
  /** Start from a learned schedule instead (σ on 0–255 as in a .gncs file, where it came from); its length must equal `steps`. */
  init?: { sigmas: number[]; stepScales: number[]; from?: string };
  checkpoint?: string;
  checkpointEvery?: number;
  resume?: boolean;
  /** Also train the prior's own parameters; the result then carries the fine-tuned model. */
  finetune?: boolean;
  /** Initial learning rate of the prior's filters (cosine decay); default 3e-4. The spline weights, about 15× larger in scale, get SPLINE_LR_FACTOR times it. */
  priorLr?: number;
  signal?: AbortSignal;
  onProgress?: (p: LearnProgress) => void;
}

export interface LearnProgress {
  iteration: number;
  iterations: number;
  /** Training PSNR of x_T on this batch. */
  psnr: number;
  /** Held-out PSNR with the current schedule, when evaluated. */
  validation?: number;
  sigmas: number[];
  stepScales: number[];
}

interface Checkpoint {
  format: 'gnc-schedule-checkpoint';
  iteration: number;
  ts: number[];
  logScales: number[];
  optimiser: AdaBeliefStateJSON;
  sampler: PatchSamplerState;
  rng: number[];
  history: Array<{ iteration: number; psnr: number }>;
  key: string;
  /** Fine-tuning: the prior's current parameters and their optimiser. */
  prior?: { kernels: number[][]; splines: number[][]; kernelOptimiser: AdaBeliefStateJSON; splineOptimiser: AdaBeliefStateJSON };
}

/**
 * Adam-type steps move every weight by about the learning rate whatever its
 * scale; the spline weights are an order of magnitude larger than the
 * filters' (rms ≈ 2 against ≈ 0.14 for grey-l1-dsm), so they get a
 * proportionally larger rate and both move by a similar relative amount.
 */
export const SPLINE_LR_FACTOR = 10;

/** A fine-tuned copy of the prior, returned with the schedule learned together with it. */
export interface FinetunedPrior {
  parameters: FoEParameters;
  /** What the fine-tuning did, for the model file's metadata. */
  finetune: { from: { name: string; id: string }; task: 'denoise' | 'inpaint'; level: number; steps: number; iterations: number; priorLr: number };
}

function settingsKey(o: LearnScheduleOptions): string {
  const base = [o.model.id, o.task, o.level, o.steps, o.data, o.patch, o.batch, o.seed, o.lr, o.holdout];
  // Kept as before for runs without these options, so their checkpoints stay valid.
  const withTune = o.finetune ? [...base, 'finetune', o.priorLr] : base;
  return JSON.stringify(o.init ? [...withTune, 'init', o.init.sigmas, o.init.stepScales] : withTune);
}

/** x_T for one batch as a tfjs graph; `observed` is M for inpainting. */
export function unrolled(
  prior: PriorTensors,
  task: 'denoise' | 'inpaint',
  z: tf.Tensor4D,
  x0: tf.Tensor4D,
  noiseSigma: number,
  observed: tf.Tensor4D | undefined,
  ts: tf.Variable,
  logScales: tf.Variable,
  steps: number,
): tf.Tensor4D {
  let x = x0;
  for (let i = 0; i < steps; i++) {
    const t = ts.slice([i], [1]).reshape([]) as tf.Scalar;
    const tau = tf.mul(tf.exp(logScales.slice([i], [1]).reshape([])), tf.exp(tf.mul(2, t))) as tf.Scalar;
    const y = tf.sub(x, tf.mul(tau, scoreGradient(prior, x, t))) as tf.Tensor4D;
    if (task === 'denoise') {
      // prox of ‖x − z‖²/(2s²): (s² y + τ z)/(s² + τ).
      const s2 = noiseSigma * noiseSigma;
      x = tf.div(tf.add(tf.mul(s2, y), tf.mul(tau, z)), tf.add(s2, tau)) as tf.Tensor4D;
    } else {
      x = tf.add(tf.mul(observed!, z), tf.mul(tf.sub(1, observed!), y)) as tf.Tensor4D;
    }
  }
  return x;
}

function dataTerm(task: 'denoise' | 'inpaint', z: Float32Array, noiseSigma: number, mask: Float32Array | undefined, n: number): DataTerm {
  return task === 'denoise' ? new DenoisingTerm(z, noiseSigma) : new InpaintingTerm(z, mask!, n, 1);
}

function corrupt(task: 'denoise' | 'inpaint', clean: Float32Array, level: number, rng: Prng): { z: Float32Array; mask?: Float32Array } {
  if (task === 'denoise') {
    const sigma = level / 255;
    return { z: clean.map((v) => v + sigma * rng.gaussian()) };
  }
  const mask = new Float32Array(clean.length);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.uniform() < level ? 0 : 1;
  // Keep at least one observed pixel per patch so the inpainting term is defined.
  if (!mask.some((m) => m === 1)) mask[0] = 1;
  return { z: clean.map((v, i) => v * mask[i]!), mask };
}

export async function learnSchedule(
  o: LearnScheduleOptions,
): Promise<{ schedule: VnSchedule; history: Array<{ iteration: number; psnr: number }>; prior?: FinetunedPrior }> {
  const steps = checkInteger('steps', o.steps, 1, 100);
  const iterations = checkInteger('iterations', o.iterations, 1, 1_000_000);
  const patch = checkInteger('patch', o.patch ?? 64, 16, 512);
  const batch = checkInteger('batch', o.batch ?? 8, 1, 256);
  const seed = checkInteger('seed', o.seed ?? 1, 0, 2 ** 31);
  const lr = checkNumber('lr', o.lr ?? 0.03, 1e-6, 1);
  const holdout = checkInteger('holdout', o.holdout ?? 8, 0, 10_000);
  const finetune = o.finetune === true;
  const priorLr = checkNumber('prior learning rate', o.priorLr ?? 3e-4, 1e-8, 1);
  if (o.task === 'denoise') checkNumber('noise level (0–255)', o.level, 0.1, 255);
  else checkNumber('missing fraction', o.level, 0, 0.99);
  const arch = o.model.architecture;
  if (arch.inChannels !== 1) throw new GncError('invalid-argument', `learn-schedule trains on grey patches but the model ${o.model.name} has ${arch.inChannels} input channels`);
  // The last layer's spline grid is the prior's trained t range (FoEPrior.tRange), read without building a prior.
  const { tMin, tMax } = arch.layers[arch.layers.length - 1]!.spline;
  const noiseSigma = o.task === 'denoise' ? o.level / 255 : 0;

  // Start from the model's recommended GNC schedule, resampled to T steps.
  const defaults = o.model.metadata.defaults?.[o.task] ?? {};
  const sigma0 = (o.sigma0 ?? (defaults.sigma0 ?? 0.4) * 255) / 255;
  const sigmaMin = (o.sigmaMin ?? (defaults.sigmaMin ?? 0.02) * 255) / 255;
  if (o.init && (o.init.sigmas.length !== steps || o.init.stepScales.length !== steps)) {
    throw new GncError('invalid-argument', `The starting schedule has ${o.init.sigmas.length} steps but ${steps} steps were asked for; use --steps ${o.init.sigmas.length} or another schedule`);
  }
  // A learned schedule is a much better start for fine-tuning than the GNC flow's, which the first iterations would spend relearning.
  const start = o.init ? o.init.sigmas.map((v) => v / 255) : Array.from(sigmaSchedule(sigma0, sigmaMin, steps, 'log'));
  const groups = {
    ts: Float32Array.from(start, (s) => Math.min(tMax, Math.max(tMin, Math.log(s)))),
    logScales: o.init ? Float32Array.from(o.init.stepScales, (s) => Math.min(Math.log(20), Math.max(Math.log(0.02), Math.log(s)))) : new Float32Array(steps),
  };
  const clampT = (w: Float32Array) => {
    for (let i = 0; i < w.length; i++) w[i] = Math.min(tMax, Math.max(tMin, w[i]!));
  };
  const clampScale = (w: Float32Array) => {
    for (let i = 0; i < w.length; i++) w[i] = Math.min(Math.log(20), Math.max(Math.log(0.02), w[i]!));
  };
  const project = { ts: clampT, logScales: clampScale };

  const samplerOptions = { dir: o.data, patchSize: patch, batchSize: batch, channels: 1 as const, seed, holdout };
  const key = settingsKey({ ...o, patch, batch, seed, lr, holdout, priorLr });
  // The prior's parameters as optimiser groups (copies: the caller's model is never changed).
  const kernelGroups: Record<string, Float32Array> = {};
  const splineGroups: Record<string, Float32Array> = {};
  if (finetune) {
    o.model.parameters.kernels.forEach((k, l) => (kernelGroups[`kernel${l}`] = Float32Array.from(k)));
    o.model.parameters.splines.forEach((w, l) => (splineGroups[`spline${l}`] = Float32Array.from(w)));
  }
  let kernelOptimiser: AdaBelief | undefined;
  let splineOptimiser: AdaBelief | undefined;
  let sampler: PatchSampler;
  let optimiser: AdaBelief;
  let rng: Prng;
  let iteration = 0;
  let history: Array<{ iteration: number; psnr: number }> = [];
  if (o.resume && o.checkpoint && existsSync(o.checkpoint)) {
    const saved = JSON.parse(readFileSync(o.checkpoint, 'utf8')) as Checkpoint;
    if (saved.format !== 'gnc-schedule-checkpoint' || saved.key !== key) {
      throw new GncError('invalid-argument', `The checkpoint ${o.checkpoint} belongs to another schedule run (other model, task, level, steps or data); remove it or choose another --out`);
    }
    groups.ts.set(saved.ts);
    groups.logScales.set(saved.logScales);
    optimiser = AdaBelief.restore(groups, adaBeliefStateFromJSON(saved.optimiser), { project });
    sampler = await PatchSampler.restore(samplerOptions, saved.sampler);
    rng = Prng.fromState(saved.rng);
    iteration = saved.iteration;
    history = saved.history;
    if (finetune) {
      if (!saved.prior) throw new GncError('invalid-argument', `The checkpoint ${o.checkpoint} holds no fine-tuned prior`);
      saved.prior.kernels.forEach((k, l) => kernelGroups[`kernel${l}`]!.set(k));
      saved.prior.splines.forEach((w, l) => splineGroups[`spline${l}`]!.set(w));
      kernelOptimiser = AdaBelief.restore(kernelGroups, adaBeliefStateFromJSON(saved.prior.kernelOptimiser));
      splineOptimiser = AdaBelief.restore(splineGroups, adaBeliefStateFromJSON(saved.prior.splineOptimiser));
    }
  } else {
    optimiser = new AdaBelief(groups, { project });
    sampler = await PatchSampler.create(samplerOptions);
    rng = new Prng(seed + 7919);
    if (finetune) {
      kernelOptimiser = new AdaBelief(kernelGroups);
      splineOptimiser = new AdaBelief(splineGroups);
    }
  }
  const crops = await validationCrops(sampler.validationFiles, 96);

  const currentParameters = (): FoEParameters =>
    finetune
      ? { kernels: o.model.parameters.kernels.map((_, l) => kernelGroups[`kernel${l}`]!), splines: o.model.parameters.splines.map((_, l) => splineGroups[`spline${l}`]!) }
      : o.model.parameters;
  const kernelShape = (l: number): [number, number, number, number] => [arch.layers[l]!.kernelSize, arch.layers[l]!.kernelSize, l === 0 ? arch.inChannels : arch.layers[l - 1]!.features, arch.layers[l]!.features];
  const splineShape = (l: number): [number, number, number] => [arch.layers[l]!.features, arch.layers[l]!.spline.nz, arch.layers[l]!.spline.nt];
  const start0 = currentParameters();
  // Variables when fine-tuned, so variableGrads differentiates them too.
  const prior: PriorTensors = {
    arch,
    kernels: start0.kernels.map((k, l) => (finetune ? tf.variable(tf.tensor4d(k, kernelShape(l))) : tf.tensor4d(k, kernelShape(l)))),
    splines: start0.splines.map((w, l) => (finetune ? tf.variable(tf.tensor3d(w, splineShape(l))) : tf.tensor3d(w, splineShape(l)))),
  };
  let evalPrior = new FoEPrior(arch, start0);
  const current = () => ({ sigmas: Array.from(groups.ts, (t) => Math.exp(t)), stepScales: Array.from(groups.logScales, (s) => Math.exp(s)) });
  const validate = (): number | undefined => {
    if (crops.length === 0) return undefined;
    const { sigmas, stepScales } = current();
    const valRng = new Prng(seed + 104729);
    let sum = 0;
    for (const clean of crops) {
      const { z, mask } = corrupt(o.task, clean, o.level, valRng);
      const problem = { prior: evalPrior, data: dataTerm(o.task, z, noiseSigma, mask, 1), shape: { n: 1, h: 96, w: 96, c: 1 } };
      const x = proximalSteps(problem, sigmas, stepScales, { traceEnergy: false }, 'vn').x;
      sum += psnr(x.map((v) => Math.min(1, Math.max(0, v))), clean);
    }
    return sum / crops.length;
  };
  const saveCheckpoint = async () => {
    if (!o.checkpoint) return;
    const state: Checkpoint = {
      format: 'gnc-schedule-checkpoint',
      iteration,
      ts: Array.from(groups.ts),
      logScales: Array.from(groups.logScales),
      optimiser: adaBeliefStateToJSON(optimiser.state()),
      sampler: sampler.state(),
      rng: rng.getState(),
      history,
      key,
      ...(finetune
        ? {
            prior: {
              kernels: o.model.parameters.kernels.map((_, l) => Array.from(kernelGroups[`kernel${l}`]!)),
              splines: o.model.parameters.splines.map((_, l) => Array.from(splineGroups[`spline${l}`]!)),
              kernelOptimiser: adaBeliefStateToJSON(kernelOptimiser!.state()),
              splineOptimiser: adaBeliefStateToJSON(splineOptimiser!.state()),
            },
          }
        : {}),
    };
    await writeFileAtomic(o.checkpoint, JSON.stringify(state));
  };

  const tsVar = tf.variable(tf.tensor1d(groups.ts));
  const scalesVar = tf.variable(tf.tensor1d(groups.logScales));
  try {
    let validation = validate();
    while (iteration < iterations) {
      if (o.signal?.aborted) {
        await saveCheckpoint();
        throw new GncError('cancelled', `Schedule learning was cancelled at iteration ${iteration}${o.checkpoint ? `; checkpoint saved to ${o.checkpoint}` : ''}`);
      }
      const { data: clean, shape } = await sampler.next();
      const { z, mask } = corrupt(o.task, clean, o.level, rng);
      const x0 = dataTerm(o.task, z, noiseSigma, mask, shape.n).initial();
      tf.tidy(() => {
        tsVar.assign(tf.tensor1d(groups.ts));
        scalesVar.assign(tf.tensor1d(groups.logScales));
        if (finetune) {
          prior.kernels.forEach((k, l) => (k as tf.Variable).assign(tf.tensor4d(kernelGroups[`kernel${l}`]!, kernelShape(l))));
          prior.splines.forEach((w, l) => (w as tf.Variable).assign(tf.tensor3d(splineGroups[`spline${l}`]!, splineShape(l))));
        }
      });
      const priorVars = finetune ? [...prior.kernels, ...prior.splines].map((v) => v as tf.Variable) : [];
      const dims: [number, number, number, number] = [shape.n, shape.h, shape.w, 1];
      let mse = 0;
      const grads = tf.tidy(() => {
        const zT = tf.tensor4d(z, dims);
        const x0T = tf.tensor4d(x0, dims);
        const cleanT = tf.tensor4d(clean, dims);
        const maskT = mask ? tf.tensor4d(mask, dims) : undefined;
        const { value, grads: g } = tf.variableGrads(
          () => tf.mean(tf.square(tf.sub(unrolled(prior, o.task, zT, x0T, noiseSigma, maskT, tsVar, scalesVar, steps), cleanT))) as tf.Scalar,
          [tsVar, scalesVar, ...priorVars],
        );
        mse = value.dataSync()[0]!;
        const kernelGrads: Record<string, Float32Array> = {};
        const splineGrads: Record<string, Float32Array> = {};
        if (finetune) {
          prior.kernels.forEach((k, l) => (kernelGrads[`kernel${l}`] = g[(k as tf.Variable).name]!.dataSync().slice() as Float32Array));
          prior.splines.forEach((w, l) => (splineGrads[`spline${l}`] = g[(w as tf.Variable).name]!.dataSync().slice() as Float32Array));
        }
        return { schedule: { ts: g[tsVar.name]!.dataSync().slice() as Float32Array, logScales: g[scalesVar.name]!.dataSync().slice() as Float32Array }, kernels: kernelGrads, splines: splineGrads };
      });
      const rate = cosineLearningRate(iteration, iterations, lr, lr / 20);
      optimiser.step(grads.schedule, rate);
      if (finetune) {
        const priorRate = cosineLearningRate(iteration, iterations, priorLr, priorLr / 20);
        kernelOptimiser!.step(grads.kernels, priorRate);
        splineOptimiser!.step(grads.splines, SPLINE_LR_FACTOR * priorRate);
        evalPrior.dispose();
        evalPrior = new FoEPrior(arch, currentParameters());
      }
      iteration += 1;
      const trainPsnr = 10 * Math.log10(1 / Math.max(mse, 1e-12));
      history.push({ iteration, psnr: trainPsnr });
      const last = iteration === iterations || iteration % Math.max(1, Math.floor(iterations / 10)) === 0;
      if (last) validation = validate();
      o.onProgress?.({ iteration, iterations, psnr: trainPsnr, ...(last && validation !== undefined ? { validation } : {}), ...current() });
      if (iteration % (o.checkpointEvery ?? 25) === 0 && iteration < iterations) await saveCheckpoint();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await saveCheckpoint();
    const { sigmas, stepScales } = current();
    const schedule: VnSchedule = {
      format: SCHEDULE_FORMAT,
      version: SCHEDULE_VERSION,
      modelId: o.model.id,
      modelName: o.model.name,
      task: o.task,
      level: o.level,
      sigmas: sigmas.map((s) => s * 255),
      stepScales,
      training: { data: o.data, iterations, patch, batch, seed, lr, holdout, start: o.init ? { schedule: o.init.from ?? 'given', sigmas: o.init.sigmas, stepScales: o.init.stepScales } : { sigma0: sigma0 * 255, sigmaMin: sigmaMin * 255 } },
      figures: {
        ...(validation !== undefined ? { validationPsnr: validation } : {}),
        trainPsnrLast50: history.slice(-50).reduce((a, h) => a + h.psnr, 0) / Math.min(50, history.length),
      },
    };
    const tuned: FinetunedPrior | undefined = finetune
      ? { parameters: currentParameters(), finetune: { from: { name: o.model.name, id: o.model.id }, task: o.task, level: o.level, steps, iterations, priorLr } }
      : undefined;
    return { schedule, history, ...(tuned ? { prior: tuned } : {}) };
  } finally {
    tsVar.dispose();
    scalesVar.dispose();
    prior.kernels.forEach((k) => k.dispose());
    prior.splines.forEach((s) => s.dispose());
    evalPrior.dispose();
  }
}
