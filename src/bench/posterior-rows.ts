/**
 * Posterior sampling in the benchmark tables: K annealed-Langevin chains per
 * image and level, scored as their mean (an MMSE estimate) and as single
 * samples, in the same run and on the same inputs as the GNC flow (a
 * MAP-like estimate), so the table shows what averaging samples buys over one
 * sample and how it compares with the energy minimiser.
 */
import { psnr } from '../image/metrics.js';
import type { RasterImage } from '../image/types.js';
import type { ResolvedModel } from '../prior/registry.js';
import { fromSolver, layoutFor, maskToSolver, toSolver } from '../restore/layout.js';
import { sampleStatistics } from '../sample/langevin.js';
import { posteriorChains, samplerSettings, type SamplerSettings } from '../sample/posterior-chains.js';
import { checkInteger } from '../util/errors.js';
import { addFigure, emptyRow, type BenchRow } from './table.js';

export interface PosteriorRows {
  samples: number;
  settings: SamplerSettings;
  mean: BenchRow;
  single: BenchRow;
}

export function posteriorRows(model: ResolvedModel, samples: number, levels: number[]): PosteriorRows {
  checkInteger('posterior samples', samples, 1, 256);
  return {
    samples,
    settings: samplerSettings(model),
    mean: emptyRow({ id: 'posterior-mean', label: `posterior mean (${samples} Langevin samples)`, kind: 'ours', input: 'float', available: true }, levels),
    single: emptyRow({ id: 'posterior-sample', label: 'one posterior sample (mean PSNR)', kind: 'ours', input: 'float', available: true }, levels),
  };
}

export interface PosteriorInput {
  model: ResolvedModel;
  image: string;
  levelIndex: number;
  /** The observation as the other methods get it (hidden pixels zeroed for inpainting). */
  observed: RasterImage;
  clean: RasterImage;
  /** H·W, 1 = observed (inpainting). */
  mask?: Float32Array;
  /** Noise σ on [0, 1] (denoising). */
  noiseSigma?: number;
  /** Seeds the chains per image so every run of the bench draws the same samples. */
  seed: number;
  signal?: AbortSignal;
}

/** Runs the chains and adds one figure to each posterior row. */
export function scorePosterior(rows: PosteriorRows, p: PosteriorInput): void {
  const t0 = performance.now();
  const layout = layoutFor(p.observed, p.model.architecture.inChannels);
  const chains = posteriorChains({
    model: p.model,
    task: p.mask ? 'inpaint' : 'denoise',
    shape: layout.shape,
    observed: toSolver(p.observed.data, p.observed, layout),
    ...(p.mask ? { mask: maskToSolver(p.mask, layout) } : {}),
    ...(p.noiseSigma !== undefined ? { noiseSigma: p.noiseSigma } : {}),
    samples: rows.samples,
    settings: { ...rows.settings, seed: p.seed },
    ...(p.signal ? { signal: p.signal } : {}),
  }).map((x) => fromSolver(x, p.observed, layout));
  const seconds = (performance.now() - t0) / 1000;
  const clip = (d: Float32Array) => d.map((v) => Math.min(1, Math.max(0, v)));
  const { mean } = sampleStatistics(chains);
  addFigure(rows.mean, p.levelIndex, { image: p.image, psnr: psnr(clip(mean), p.clean.data), seconds });
  const singles = chains.map((x) => psnr(clip(x), p.clean.data));
  addFigure(rows.single, p.levelIndex, { image: p.image, psnr: singles.reduce((a, v) => a + v, 0) / singles.length, seconds: seconds / rows.samples });
}
