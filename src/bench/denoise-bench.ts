/**
 * `gnc bench denoise`: the benchmark protocol of shared/data/README.md run on
 * a folder of clean images. Image i gets noisy = clean + σ·n with n ~ N(0, 1)
 * from seed + i, kept in floating point; every method sees the same n. Our
 * solvers take that float input; the reference tools (OpenCV NLM, G'MIC
 * denoise) take it rounded and clipped to 8 bits, which is all a PNG holds.
 * Every PSNR is against the clean float image.
 *
 * Also home to what both benchmarks share: finding the images, loading the
 * model and backend, validating settings, the temporary folder.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectBackend, type BackendChoice, type BackendInfo } from '../engine/backend.js';
import { readImage, writeImage } from '../image/io.js';
import { psnr } from '../image/metrics.js';
import { addGaussianNoise } from '../image/noise.js';
import type { DecodedImage, RasterImage } from '../image/types.js';
import { DEFAULT_MODEL, resolveModel, type ResolvedModel } from '../prior/registry.js';
import { resolveSettings, restore, type SolverSettings, type TaskName } from '../restore/restore.js';
import type { MethodName } from '../solve/solver.js';
import { GncError, checkInteger, checkNumber, throwIfAborted } from '../util/errors.js';
import { defaultDataDir } from '../util/paths.js';
import { loadScheduleFor, nearestSchedule, type VnSchedule } from '../vn/schedule-file.js';
import { detectReferences, runGmicDenoise, runOpenCvNlm, type ReferencePaths, type ReferenceStatus } from './references.js';
import { posteriorRows, scorePosterior, type PosteriorRows } from './posterior-rows.js';
import { addFigure, emptyRow, recordSchedule, type BenchReport, type BenchRow, type ImageFigure } from './table.js';

export interface BenchOptions {
  /** Folder of clean images (default: defaultDataDir()/BSD68 or /Set12). */
  data?: string;
  /** Our solvers to run (default ['gnc']). */
  methods?: MethodName[];
  model?: string;
  /** The first N images sorted by name. */
  limit?: number;
  /** Image i uses seed + i (default 0). */
  seed?: number;
  /** Overrides of the model's solver settings; σ values on the [0, 1] scale. */
  settings?: Partial<Pick<SolverSettings, 'steps' | 'sigma0' | 'sigmaMin' | 'stepScale' | 'dataWeight'>>;
  /** false skips the reference tools; an object overrides where they are. Default: detect. */
  references?: boolean | ReferencePaths;
  backend?: BackendChoice;
  /** One line per image and level (for stderr), with how many of all image-level pairs are done. */
  onProgress?: (line: string, done: number, total: number) => void;
  /** Checked between images and inside every solve. */
  signal?: AbortSignal;
  /** Also score K annealed-Langevin posterior samples and their mean (sample/posterior-chains.ts). */
  posteriorSamples?: number;
  /** Use each image's central crop of this side (for the slow posterior rows); default the whole image. */
  crop?: number;
  /** Method vn: these schedule files (for the model and task) instead of the shipped ones, the nearest per level. */
  vnSchedules?: string[];
}

export interface DenoiseBenchOptions extends BenchOptions {
  /** Noise levels on the 0–255 scale (default 15, 25, 50). */
  sigmas?: number[];
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp'];
export const METHOD_LABELS: Record<MethodName, string> = { gnc: 'GNC flow', joint: 'joint', vn: 'VN (learned schedule)' };

/** Image files in `dir`, sorted by name, the first `limit` of them. Throws a clear error for a missing or empty folder. */
export async function listBenchImages(dir: string, limit?: number): Promise<string[]> {
  let entries: string[];
  try {
    const stat = await fs.stat(dir);
    if (!stat.isDirectory()) throw new GncError('io', `The benchmark data folder ${dir} is not a folder`);
    entries = await fs.readdir(dir);
  } catch (err) {
    if (err instanceof GncError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new GncError(
      'io',
      code === 'ENOENT'
        ? `The benchmark data folder ${dir} does not exist; pass --data DIR or set GNC_DATA_DIR (see shared/data/README.md)`
        : `Cannot read the benchmark data folder ${dir}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const images = entries.filter((f) => IMAGE_EXTENSIONS.includes(path.extname(f).toLowerCase()) && !f.startsWith('.')).sort();
  if (images.length === 0) throw new GncError('io', `The benchmark data folder ${dir} holds no images (${IMAGE_EXTENSIONS.join(' ')})`);
  if (limit !== undefined) checkInteger('limit', limit, 1, Number.MAX_SAFE_INTEGER);
  return images.slice(0, limit ?? images.length);
}

export interface BenchContext {
  dataDir: string;
  images: string[];
  seed: number;
  /** The tfjs backend selected (training-style work, and the fallback). */
  backend: BackendInfo;
  /** What evaluates the prior in the rows: onnxruntime or the tfjs backend (the report's backend). */
  engine: { name: string; device: string; threads: number; package: string };
  model: ResolvedModel;
  methods: MethodName[];
  settings: Record<string, SolverSettings>;
  references: ReferenceStatus | null;
  referencePaths: ReferencePaths;
  tmp: string;
  progress: (line: string, done: number, total: number) => void;
  signal: AbortSignal | undefined;
  started: number;
  posterior: PosteriorRows | undefined;
  crop: number | undefined;
  /** Given VN schedules (else the shipped ones are picked per level). */
  vnSchedules: Array<{ file: string; schedule: VnSchedule }> | undefined;
}

/** The VN schedule for one level when schedules were given: the nearest of them. */
export function givenSchedule(ctx: BenchContext, method: string, task: TaskName, level: number): { schedule?: { file: string; schedule: VnSchedule } } {
  return method === 'vn' && ctx.vnSchedules ? { schedule: nearestSchedule(ctx.vnSchedules, task, level) } : {};
}

/** Validates everything up front (so a bad option fails before hours of work), then loads backend and model. */
export async function openBench(task: TaskName, o: BenchOptions, defaultFolder: string, levels: number[]): Promise<BenchContext> {
  const started = performance.now();
  const dataDir = path.resolve(o.data ?? path.join(defaultDataDir(), defaultFolder));
  const seed = o.seed ?? 0;
  checkInteger('seed', seed, 0, 2 ** 31);
  const methods: MethodName[] = [...new Set<MethodName>(o.methods ?? ['gnc'])];
  if (methods.length === 0) throw new GncError('invalid-argument', 'Expected at least one method (gnc, joint)');
  const images = await listBenchImages(dataDir, o.limit);
  if (o.posteriorSamples !== undefined) checkInteger('posterior samples', o.posteriorSamples, 1, 256);
  if (o.crop !== undefined) checkInteger('crop', o.crop, 16, 1 << 16);
  const backend = await selectBackend(o.backend ?? 'auto');
  const model = await resolveModel(o.model ?? DEFAULT_MODEL);
  let vnSchedules: BenchContext['vnSchedules'];
  if (o.vnSchedules !== undefined) {
    if (!methods.includes('vn')) throw new GncError('invalid-argument', 'VN schedules were given but the methods do not include vn');
    vnSchedules = o.vnSchedules.map((file) => ({ file, schedule: loadScheduleFor(file, { id: model.id, name: model.metadata.name }, task) }));
    if (vnSchedules.length === 0) throw new GncError('invalid-argument', 'Expected at least one VN schedule file');
  }
  const settings: Record<string, SolverSettings> = {};
  for (const method of methods) settings[method] = resolveSettings(task, model, { ...stripUndefined(o.settings ?? {}), method });
  const referencePaths = typeof o.references === 'object' ? o.references : {};
  const references = o.references === false ? null : await detectReferences(referencePaths);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gnc-bench-'));
  // One tiny solve first, so one-time backend set-up is not billed to image 1;
  // it also says which engine the rows run on: under 'auto' that is
  // onnxruntime where it loads, not the tfjs backend selected above.
  const warm: RasterImage = { width: 16, height: 16, channels: 1, data: new Float32Array(256).fill(0.5) };
  const probe = restore({ task: 'denoise', image: warm, model, sigma: 0.1, settings: { steps: 1 } });
  const engine: BenchContext['engine'] =
    probe.inference === 'onnxruntime-node'
      ? { name: 'onnx', device: 'cpu', threads: probe.threads, package: 'onnxruntime-node' }
      : { name: backend.name, device: backend.device, threads: backend.threads, package: backend.package };
  const posterior = o.posteriorSamples !== undefined ? posteriorRows(model, o.posteriorSamples, levels) : undefined;
  return { dataDir, images, seed, backend, engine, model, methods, settings, references, referencePaths, tmp, progress: o.onProgress ?? (() => {}), signal: o.signal, started, posterior, crop: o.crop, vnSchedules };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function closeBench(ctx: BenchContext): Promise<void> {
  await fs.rm(ctx.tmp, { recursive: true, force: true });
}

/** The report skeleton shared by both benchmarks. */
export function reportFor(ctx: BenchContext, task: BenchReport['task'], levels: number[], rows: BenchRow[]): BenchReport {
  const scaled: BenchReport['settings'] = {};
  for (const [m, s] of Object.entries(ctx.settings)) {
    // VN takes steps, σᵢ and step sizes from its learned schedule (each row level says which); of the solver settings only a denoising data weight applies.
    scaled[m] = m === 'vn' ? { method: 'vn', ...(task === 'denoise' ? { dataWeight: s.dataWeight } : {}) } : { ...s, sigma0: s.sigma0 * 255, sigmaMin: s.sigmaMin * 255 };
  }
  if (ctx.posterior) scaled.posterior = { samples: ctx.posterior.samples, ...ctx.posterior.settings };
  if (ctx.vnSchedules && scaled.vn) scaled.vn = { ...scaled.vn, schedules: ctx.vnSchedules.map((s) => path.basename(s.file)) };
  return {
    command: 'bench',
    task,
    data: ctx.dataDir,
    images: ctx.images,
    ...(ctx.crop !== undefined ? { crop: ctx.crop } : {}),
    seed: ctx.seed,
    levelName: task === 'denoise' ? 'sigma' : 'missing',
    levels,
    backend: { ...ctx.engine },
    model: { name: ctx.model.name, id: ctx.model.id, path: ctx.model.path },
    settings: scaled,
    references: ctx.references,
    rows,
    seconds: (performance.now() - ctx.started) / 1000,
  };
}

/** A row for a reference tool: live when detected, else saying it is not installed. */
export function referenceRow(ctx: BenchContext, tool: 'opencv' | 'gmic', id: string, label: string, levels: number[]): BenchRow | undefined {
  if (!ctx.references) return undefined;
  const status = ctx.references[tool];
  return emptyRow(
    { id, label, kind: 'reference', input: '8-bit', available: status.available, ...(status.available ? {} : { note: `not installed (${status.reason})` }) },
    levels,
  );
}

/**
 * Runs a reference tool on one image and scores what it wrote to `output`; a
 * failure is recorded, never thrown. The output is removed first (unless the
 * tool already ran) so a stale file from the previous image can never be scored.
 */
export async function referenceFigure(
  image: string,
  clean: RasterImage,
  output: string,
  runTool: () => Promise<number>,
  removeFirst = true,
): Promise<ImageFigure> {
  try {
    if (removeFirst) await fs.rm(output, { force: true });
    const seconds = await runTool();
    const out = await readImage(output);
    if (out.width !== clean.width || out.height !== clean.height || out.channels !== clean.channels) {
      throw new GncError('io', `wrote ${out.width}×${out.height}×${out.channels}, expected ${clean.width}×${clean.height}×${clean.channels}`);
    }
    return { image, psnr: psnr(out.data, clean.data), seconds };
  } catch (err) {
    return { image, psnr: null, seconds: null, error: (err as Error).message.split('\n')[0] };
  }
}

export function describeFigure(label: string, f: ImageFigure | undefined): string {
  if (!f) return '';
  if (f.psnr === null) return `${label} failed`;
  return `${label} ${f.psnr.toFixed(2)} dB${f.seconds !== null ? ` ${f.seconds.toFixed(2)}s` : ''}`;
}

export async function readClean(ctx: BenchContext, name: string): Promise<DecodedImage> {
  const image = await readImage(path.join(ctx.dataDir, name));
  return ctx.crop === undefined ? image : centralCrop(image, ctx.crop);
}

/** The central side×side crop (the whole extent where the image is smaller). */
export function centralCrop<T extends RasterImage>(image: T, side: number): T {
  const w = Math.min(side, image.width);
  const h = Math.min(side, image.height);
  const left = Math.floor((image.width - w) / 2);
  const top = Math.floor((image.height - h) / 2);
  const c = image.channels;
  const data = new Float32Array(w * h * c);
  for (let y = 0; y < h; y++) data.set(image.data.subarray(((top + y) * image.width + left) * c, ((top + y) * image.width + left + w) * c), y * w * c);
  const { alpha: _alpha, ...rest } = image as T & { alpha?: Float32Array };
  return { ...rest, width: w, height: h, data } as T;
}

export async function runDenoiseBench(o: DenoiseBenchOptions = {}): Promise<BenchReport> {
  const sigmas = o.sigmas ?? [15, 25, 50];
  if (sigmas.length === 0) throw new GncError('invalid-argument', 'Expected at least one noise level for --sigma');
  for (const s of sigmas) checkNumber('sigma (0–255 scale)', s, 0.1, 255);
  const ctx = await openBench('denoise', o, 'BSD68', sigmas);
  try {
    const input = emptyRow({ id: 'input', label: 'noisy input (float)', kind: 'input', input: 'float', available: true }, sigmas);
    const ours = ctx.methods.map((m) => emptyRow({ id: m, label: METHOD_LABELS[m], kind: 'ours', input: 'float', available: true }, sigmas));
    const nlm = referenceRow(ctx, 'opencv', 'opencv-nlm', 'OpenCV NLM (8-bit input)', sigmas);
    const gmic = referenceRow(ctx, 'gmic', 'gmic-denoise', "G'MIC denoise (8-bit input)", sigmas);
    const posterior = ctx.posterior ? [ctx.posterior.mean, ctx.posterior.single] : [];
    const rows = [input, ...ours, ...posterior, ...[nlm, gmic].filter((r): r is BenchRow => r !== undefined)];

    for (let i = 0; i < ctx.images.length; i++) {
      throwIfAborted(ctx.signal, 'benchmark');
      const name = ctx.images[i]!;
      const clean = await readClean(ctx, name);
      const cleanRaster: RasterImage = { width: clean.width, height: clean.height, channels: clean.channels, data: clean.data };
      for (let l = 0; l < sigmas.length; l++) {
        const sigma255 = sigmas[l]!;
        const noisy: RasterImage = { ...cleanRaster, data: addGaussianNoise(clean.data, sigma255 / 255, ctx.seed + i) };
        const parts: string[] = [];
        addFigure(input, l, { image: name, psnr: psnr(noisy.data, clean.data), seconds: null });
        parts.push(describeFigure('input', input.levels[l]!.images.at(-1)));
        for (const row of ours) {
          const t0 = performance.now();
          const result = restore({ task: 'denoise', image: noisy, model: ctx.model, sigma: sigma255 / 255, reference: cleanRaster, settings: ctx.settings[row.id]!, ...givenSchedule(ctx, row.id, 'denoise', sigma255), ...(ctx.signal ? { signal: ctx.signal } : {}) });
          addFigure(row, l, { image: name, psnr: result.psnr!, seconds: (performance.now() - t0) / 1000 });
          recordSchedule(row, l, result.schedule);
          parts.push(describeFigure(row.label, row.levels[l]!.images.at(-1)));
        }
        if (ctx.posterior) {
          scorePosterior(ctx.posterior, { model: ctx.model, image: name, levelIndex: l, observed: noisy, clean: cleanRaster, noiseSigma: sigma255 / 255, seed: ctx.seed + i, ...(ctx.signal ? { signal: ctx.signal } : {}) });
          parts.push(describeFigure('posterior mean', ctx.posterior.mean.levels[l]!.images.at(-1)));
        }
        if ((nlm?.available || gmic?.available) === true) {
          const noisyPng = path.join(ctx.tmp, 'noisy.png');
          await writeImage(noisyPng, noisy, { bitDepth: 8 });
          if (nlm?.available) {
            const out = path.join(ctx.tmp, 'opencv-nlm.png');
            addFigure(nlm, l, await referenceFigure(name, cleanRaster, out, () => runOpenCvNlm(noisyPng, out, sigma255, ctx.referencePaths)));
            parts.push(describeFigure('OpenCV NLM', nlm.levels[l]!.images.at(-1)));
          }
          if (gmic?.available) {
            const out = path.join(ctx.tmp, 'gmic-denoise.png');
            addFigure(gmic, l, await referenceFigure(name, cleanRaster, out, () => runGmicDenoise(noisyPng, out, sigma255, ctx.referencePaths)));
            parts.push(describeFigure("G'MIC", gmic.levels[l]!.images.at(-1)));
          }
        }
        ctx.progress(`[${i + 1}/${ctx.images.length}] ${name} σ=${sigma255}: ${parts.join(' · ')}`, i * sigmas.length + l + 1, ctx.images.length * sigmas.length);
      }
    }
    return reportFor(ctx, 'denoise', sigmas, rows);
  } finally {
    await closeBench(ctx);
  }
}
