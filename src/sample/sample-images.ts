/**
 * Posterior (or prior) sampling of a whole image: K Langevin chains, written
 * as K sample images, their mean and a per-pixel standard-deviation map, with
 * figures against a clean reference and the GNC-flow (MAP-like) result.
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { readImage, readMask, writeImage } from '../image/io.js';
import { psnr } from '../image/metrics.js';
import { addGaussianNoise } from '../image/noise.js';
import type { DecodedImage, RasterImage } from '../image/types.js';
import { resolveModel } from '../prior/registry.js';
import { fromSolver, layoutFor, maskToSolver, toSolver } from '../restore/layout.js';
import { restore } from '../restore/restore.js';
import { writeFileAtomic } from '../util/atomic.js';
import { GncError, checkInteger } from '../util/errors.js';
import { sampleStatistics, type SampleTask } from './langevin.js';
import { runPosteriorChains, samplerSettings, type SamplerSettings } from './posterior-chains.js';
import type { ResolvedModel } from '../prior/registry.js';
import { currentBackend } from '../engine/backend.js';
import { prefersOnnx } from '../onnx/inference.js';
import { tileFor, tileGrid } from '../solve/tiled-prior.js';
import { TilePool, pooledTileFor, resolveThreads } from '../solve/tile-pool.js';
import { foeKernelSpec } from '../solve/foe-tile-kernel.js';

export interface SampleRequest {
  task: SampleTask;
  /** Input image (denoise, inpaint); for prior sampling only its size is used, or width/height. */
  input?: string;
  width?: number;
  height?: number;
  mask?: string;
  /** Noise σ of the input (0–255), denoise. */
  sigma?: number;
  /** Add noise of `sigma` to the input first (the input is then the clean reference). */
  addNoise?: boolean;
  clean?: string;
  model: string;
  samples: number;
  outDir: string;
  /** 0–255 scale. Default: the model's largest trained σ (σ_1) and smallest (σ_L). */
  sigmaMax?: number;
  sigmaMin?: number;
  levels?: number;
  stepsPerLevel?: number;
  epsilon?: number;
  seed?: number;
  /** Threads that evaluate the prior (default: GNC_THREADS, else every core). */
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

export interface SampleReport {
  task: SampleTask;
  model: { name: string; id: string };
  samples: string[];
  mean: string;
  std: string;
  /** The std map is written as min(1, std / stdScale). */
  stdScale: number;
  settings: { sigmaMax: number; sigmaMin: number; levels: number; stepsPerLevel: number; epsilon: number; seed: number };
  meanStd: number;
  /** With a clean reference: PSNR of the posterior mean, of each sample, and of the GNC flow's result. */
  psnr?: { mean: number; samples: number[]; gnc: number; input: number };
  /** Inpainting: mean std over hidden and over observed pixels. */
  stdHidden?: number;
  stdObserved?: number;
  /**
   * Inpainting with a clean reference: mean std over hidden pixels in the
   * clean image's most textured quarter and in its flattest quarter (by local
   * gradient magnitude) — uncertainty should follow texture.
   */
  stdTexture?: number;
  stdFlat?: number;
  /** What evaluated the prior: 'onnx' (onnxruntime-node) or the tfjs backend's name. */
  engine: string;
  /** Threads that evaluated it (onnxruntime's, or the tile pool's). */
  threads: number;
  seconds: number;
  json: string;
}

/** Hidden pixels in the most textured and the flattest quarter of the clean image, by local gradient magnitude (luma). */
function textureSplit(clean: RasterImage, mask: Float32Array): { texture: number[]; flat: number[] } {
  const { width: w, height: h, channels: c } = clean;
  const luma = (x: number, y: number) => {
    const i = (Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))) * c;
    return c === 3 ? 0.299 * clean.data[i]! + 0.587 * clean.data[i + 1]! + 0.114 * clean.data[i + 2]! : clean.data[i]!;
  };
  const hidden: Array<{ p: number; g: number }> = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask[y * w + x]) continue;
      const gx = luma(x + 1, y) - luma(x - 1, y);
      const gy = luma(x, y + 1) - luma(x, y - 1);
      hidden.push({ p: y * w + x, g: Math.hypot(gx, gy) });
    }
  }
  hidden.sort((a, b) => a.g - b.g);
  const quarter = Math.floor(hidden.length / 4);
  return { flat: hidden.slice(0, quarter).map((e) => e.p), texture: hidden.slice(hidden.length - quarter).map((e) => e.p) };
}

export async function sampleImages(r: SampleRequest): Promise<SampleReport> {
  const started = performance.now();
  const K = checkInteger('samples', r.samples, 1, 256);
  const model = await resolveModel(r.model);
  let image: DecodedImage | RasterImage;
  if (r.input) image = await readImage(r.input);
  else if (r.task === 'prior') {
    const w = checkInteger('width', r.width ?? 128, 8, 4096);
    const h = checkInteger('height', r.height ?? 128, 8, 4096);
    image = { width: w, height: h, channels: 1, data: new Float32Array(w * h).fill(0.5) };
  } else throw new GncError('invalid-argument', `Sampling for ${r.task} needs an input image`);
  let clean: RasterImage | undefined = r.clean ? await readImage(r.clean) : undefined;
  let observed = image;
  if (r.task === 'denoise') {
    if (r.sigma === undefined) throw new GncError('invalid-argument', 'Posterior sampling for denoising needs --sigma (0–255)');
    if (r.addNoise) {
      clean = image;
      observed = { ...image, data: addGaussianNoise(image.data, r.sigma / 255, (r.seed ?? 0) + 1_000_003) };
    }
  }
  const maskData = r.task === 'inpaint' ? (r.mask ? await readMask(r.mask, image.width, image.height) : undefined) : undefined;
  if (r.task === 'inpaint' && !maskData) throw new GncError('invalid-mask', 'Posterior sampling for inpainting needs --mask');
  if (maskData) {
    // Hidden pixels carry no information: zero them, so neither the chains nor the GNC comparison can see them.
    const c = image.channels;
    observed = { ...image, data: image.data.slice() };
    for (let p = 0; p < maskData.length; p++) if (!maskData[p]) for (let k = 0; k < c; k++) observed.data[p * c + k] = 0;
  }
  const layout = layoutFor(image, model.architecture.inChannels);
  const y = toSolver(observed.data, image, layout);
  const mask = maskData ? maskToSolver(maskData, layout) : undefined;
  const settings = samplerSettings(model, {
    ...(r.sigmaMax !== undefined ? { sigmaMax: r.sigmaMax } : {}),
    ...(r.sigmaMin !== undefined ? { sigmaMin: r.sigmaMin } : {}),
    ...(r.levels !== undefined ? { levels: r.levels } : {}),
    ...(r.stepsPerLevel !== undefined ? { stepsPerLevel: r.stepsPerLevel } : {}),
    ...(r.epsilon !== undefined ? { epsilon: r.epsilon } : {}),
    ...(r.seed !== undefined ? { seed: r.seed } : {}),
  });
  mkdirSync(r.outDir, { recursive: true });
  // All cores, as gnc denoise does (restore-job.ts): onnxruntime runs each
  // tile on all its threads; on tfjs a pool of tile workers when more than
  // one thread is wanted and there is more than one work item.
  const onnxFirst = prefersOnnx();
  const backend = currentBackend();
  const items = (side: number) => tileGrid(layout.shape.h, layout.shape.w, side).length * layout.shape.n;
  const threads = onnxFirst ? resolveThreads(r.threads) : Math.min(resolveThreads(r.threads, backend?.threads ?? 1), items(tileFor(model.architecture)));
  const pool = !onnxFirst && threads > 1 ? await TilePool.create({ threads, kernel: foeKernelSpec(model.architecture, model.parameters, backend?.name ?? 'wasm') }) : undefined;
  const tile = pool ? pooledTileFor(model.architecture) : undefined;
  try {
    return await sampleWith(r, { model, image, observed, clean, maskData, layout, y, mask, settings, K, started, threads, ...(pool ? { pool } : {}), ...(tile !== undefined ? { tile } : {}) });
  } finally {
    await pool?.terminate();
  }
}

interface Prepared {
  model: ResolvedModel;
  image: DecodedImage | RasterImage;
  observed: DecodedImage | RasterImage;
  clean: RasterImage | undefined;
  maskData: Float32Array | undefined;
  layout: ReturnType<typeof layoutFor>;
  y: Float32Array;
  mask: Float32Array | undefined;
  settings: SamplerSettings;
  K: number;
  started: number;
  threads: number;
  pool?: TilePool;
  tile?: number;
}

async function sampleWith(r: SampleRequest, p: Prepared): Promise<SampleReport> {
  const { model, image, observed, clean, maskData, layout, y, mask, settings, K, started } = p;
  const run = runPosteriorChains({
    model,
    task: r.task,
    shape: layout.shape,
    ...(r.task !== 'prior' ? { observed: y } : {}),
    ...(mask ? { mask } : {}),
    ...(r.task === 'denoise' ? { noiseSigma: r.sigma! / 255 } : {}),
    samples: K,
    settings,
    ...(r.signal ? { signal: r.signal } : {}),
    threads: p.threads,
    ...(p.pool ? { pool: p.pool } : {}),
    ...(p.tile !== undefined ? { tile: p.tile } : {}),
    onStep: (fraction, k, done, total) => r.onProgress?.(fraction, `sample ${k + 1}/${K}, step ${done}/${total}`),
  });
  const chains = run.chains.map((x) => fromSolver(x, image, layout));
  const { mean, std } = sampleStatistics(chains);
  const size = { width: image.width, height: image.height, channels: image.channels };
  const files = chains.map((_, k) => path.join(r.outDir, `sample-${String(k + 1).padStart(2, '0')}.png`));
  for (let k = 0; k < K; k++) await writeImage(files[k]!, { ...size, data: chains[k]! }, { bitDepth: 8 });
  const meanFile = path.join(r.outDir, 'mean.png');
  const stdFile = path.join(r.outDir, 'std.png');
  await writeImage(meanFile, { ...size, data: mean }, { bitDepth: 8 });
  const stdScale = 0.25;
  await writeImage(stdFile, { ...size, data: std.map((v) => Math.min(1, v / stdScale)) }, { bitDepth: 8 });
  const average = (values: Float32Array, keep?: (i: number) => boolean) => {
    let s = 0;
    let n = 0;
    for (let i = 0; i < values.length; i++) if (!keep || keep(i)) (s += values[i]!), (n += 1);
    return n ? s / n : 0;
  };
  const report: SampleReport = {
    task: r.task,
    model: { name: model.name, id: model.id },
    samples: files,
    mean: meanFile,
    std: stdFile,
    stdScale,
    settings,
    meanStd: average(std),
    engine: run.inference === 'onnxruntime-node' ? 'onnx' : (currentBackend()?.name ?? 'tfjs'),
    threads: run.threads,
    seconds: 0,
    json: path.join(r.outDir, 'sample.json'),
  };
  if (maskData) {
    const c = image.channels;
    report.stdHidden = average(std, (i) => !maskData[Math.floor(i / c)]);
    report.stdObserved = average(std, (i) => maskData[Math.floor(i / c)] === 1);
  }
  if (maskData && clean) {
    const { texture, flat } = textureSplit(clean, maskData);
    const c = image.channels;
    const meanOver = (pixels: number[]) => pixels.reduce((a, p) => a + Array.from({ length: c }, (_, k) => std[p * c + k]!).reduce((x, y) => x + y, 0) / c, 0) / Math.max(1, pixels.length);
    report.stdTexture = meanOver(texture);
    report.stdFlat = meanOver(flat);
  }
  if (clean && r.task !== 'prior') {
    const clip = (d: Float32Array) => d.map((v) => Math.min(1, Math.max(0, v)));
    const gnc = restore({
      task: r.task,
      image: observed,
      model,
      ...(r.task === 'denoise' ? { sigma: r.sigma! / 255 } : { mask: maskData! }),
      reference: clean,
      traceEnergy: false,
      threads: p.threads,
      ...(p.pool ? { pool: p.pool } : {}),
      ...(p.tile !== undefined ? { tile: p.tile } : {}),
      ...(r.signal ? { signal: r.signal } : {}),
    });
    report.psnr = { mean: psnr(clip(mean), clean.data), samples: chains.map((x) => psnr(clip(x), clean!.data)), gnc: gnc.psnr!, input: gnc.inputPsnr! };
  }
  report.seconds = (performance.now() - started) / 1000;
  await writeFileAtomic(report.json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
