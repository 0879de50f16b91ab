/**
 * K annealed-Langevin chains on one image in the solver's layout, shared by
 * `gnc sample` (which writes the samples, mean and std map) and `gnc bench
 * --posterior-samples` (which scores the posterior mean beside the GNC flow).
 */
import type { ResolvedModel } from '../prior/registry.js';
import { FoEPrior } from '../prior/foe.js';
import type { Shape4 } from '../prior/conv.js';
import { TiledPrior } from '../solve/tiled-prior.js';
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
  /** fraction of all chains' steps done, and which chain and step. */
  onStep?: (fraction: number, chain: number, step: number, steps: number) => void;
}

/** The K chains, each in the solver layout; chain k is seeded settings.seed + 7919·k. */
export function posteriorChains(r: ChainsRequest): Float32Array[] {
  const prior = new FoEPrior(r.model.architecture, r.model.parameters);
  const chains: Float32Array[] = [];
  let onnx: ReturnType<typeof openOnnxPrior>;
  try {
    // onnxruntime when the backend choice allows it and it loads (src/onnx/inference.ts), else tfjs.
    onnx = openOnnxPrior(r.model.architecture, r.model.parameters, r.signal ? { signal: r.signal } : {});
    const field = onnx?.field ?? new TiledPrior(prior, r.signal ? { signal: r.signal } : {});
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
  } finally {
    prior.dispose();
    onnx?.dispose();
  }
  return chains;
}
