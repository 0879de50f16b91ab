/**
 * K annealed-Langevin chains on one image in the solver's layout, shared by
 * `gnc sample` (which writes the samples, mean and std map) and `gnc bench
 * --posterior-samples` (which scores the posterior mean beside the GNC flow).
 */
import type { ResolvedModel } from '../prior/registry.js';
import { FoEPrior } from '../prior/foe.js';
import type { Shape4 } from '../prior/conv.js';
import { TiledPrior, tileFor } from '../solve/tiled-prior.js';
import { PooledPrior, type TilePool } from '../solve/tile-pool.js';
import { openOnnxPrior } from '../onnx/inference.js';
import { annealedLangevin, type SampleTask } from './langevin.js';

export interface SamplerSettings {
  /** 0–255 scale. */
  sigmaMax: number;
  sigmaMin: number;
  levels: number;
  stepsPerLevel: number;
  /** On the [0, 1] scale. */
  epsilon: number;
  seed: number;
}

/** The model's trained σ range caps the schedule; ε defaults to σ_L² so the last level steps half way to its denoised estimate. */
export function samplerSettings(model: ResolvedModel, o: Partial<SamplerSettings> = {}): SamplerSettings {
  const spline = model.architecture.layers.at(-1)!.spline;
  const sigmaMin = Math.max(o.sigmaMin ?? 0, Math.exp(spline.tMin) * 255);
  return {
    sigmaMax: Math.min(o.sigmaMax ?? Infinity, Math.exp(spline.tMax) * 255),
    sigmaMin,
    levels: o.levels ?? 20,
    stepsPerLevel: o.stepsPerLevel ?? 10,
    epsilon: o.epsilon ?? (sigmaMin / 255) ** 2,
    seed: o.seed ?? 0,
  };
}

export interface ChainsRequest {
  model: ResolvedModel;
  task: SampleTask;
  shape: Shape4;
  /** Observations in the solver layout (denoise, inpaint). */
  observed?: Float32Array;
  /** 1 = observed, solver layout (inpaint). */
  mask?: Float32Array;
  /** Noise σ of the observations on [0, 1] (denoise). */
  noiseSigma?: number;
  samples: number;
  settings: SamplerSettings;
  signal?: AbortSignal;
  /** onnxruntime's threads, when the backend choice puts inference there (default: all cores). */
  threads?: number;
  /** Evaluate the prior's tiles on this pool's threads (tfjs; onnxruntime is then not used). */
  pool?: TilePool;
  /** Interior tile side (default: sized to the model). */
  tile?: number;
  /** fraction of all chains' steps done, and which chain and step. */
  onStep?: (fraction: number, chain: number, step: number, steps: number) => void;
}

/** The K chains, each in the solver layout; chain k is seeded settings.seed + 7919·k. */
export function posteriorChains(r: ChainsRequest): Float32Array[] {
  return runPosteriorChains(r).chains;
}

/** The chains and what evaluated the prior for them: onnxruntime or tfjs, on how many threads. */
export function runPosteriorChains(r: ChainsRequest): { chains: Float32Array[]; inference: 'onnxruntime-node' | 'tfjs'; threads: number } {
  const prior = new FoEPrior(r.model.architecture, r.model.parameters);
  const chains: Float32Array[] = [];
  let onnx: ReturnType<typeof openOnnxPrior>;
  try {
    const tiling = {
      ...(r.signal ? { signal: r.signal } : {}),
      ...(r.tile !== undefined ? { tile: r.tile } : {}),
    };
    // onnxruntime when the backend choice allows it and it loads (src/onnx/inference.ts), else tfjs.
    onnx = r.pool ? undefined : openOnnxPrior(r.model.architecture, r.model.parameters, { ...tiling, ...(r.threads !== undefined ? { threads: r.threads } : {}) });
    const field =
      onnx?.field ??
      (r.pool ? new PooledPrior(r.pool, prior.tRange, { ...tiling, tile: r.tile ?? tileFor(r.model.architecture) }) : new TiledPrior(prior, tiling));
    const s = r.settings;
    for (let k = 0; k < r.samples; k++) {
      chains.push(
        annealedLangevin(field, r.shape, {
          task: r.task,
          ...(r.observed ? { observed: r.observed } : {}),
          ...(r.mask ? { mask: r.mask } : {}),
          ...(r.noiseSigma !== undefined ? { noiseSigma: r.noiseSigma } : {}),
          sigmaMax: s.sigmaMax / 255,
          sigmaMin: s.sigmaMin / 255,
          levels: s.levels,
          stepsPerLevel: s.stepsPerLevel,
          epsilon: s.epsilon,
          seed: s.seed + 7919 * k,
          ...(r.signal ? { signal: r.signal } : {}),
          onStep: (done, total) => r.onStep?.((k + done / total) / r.samples, k, done, total),
        }),
      );
    }
    return { chains, inference: onnx ? 'onnxruntime-node' : 'tfjs', threads: onnx?.threads ?? r.pool?.size ?? 1 };
  } finally {
    prior.dispose();
    onnx?.dispose();
  }
}
