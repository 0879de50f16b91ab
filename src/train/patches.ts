/**
 * Random training patches from a folder of images, for score-matching
 * training (method.md §3): every patch is a uniformly chosen image, a
 * uniformly placed P×P crop of it and (with `augment`) one of the 8 dihedral
 * transforms (flips and 90° rotations) of that crop.
 *
 * Memory stays flat however large the folder: only the image headers are read
 * up front; decoded pixels live in an LRU cache bounded by `cacheBytes`
 * (float32 bytes of the pixels as stored, i.e. after grey conversion). An
 * image larger than the whole budget is decoded, used and dropped.
 *
 * The patch stream is a pure function of the seed and the patch index: the
 * generator's draws for patch i never depend on what is cached, on the batch
 * size or on decode timing, so `state()` + `PatchSampler.restore` continue
 * with exactly the batches an uninterrupted sampler would have produced.
 *
 * Channels: `1` ('grey') gives grey patches; RGB images are converted by luma
 * Y = 0.299 R + 0.587 G + 0.114 B, grey images pass through. `3` ('colour')
 * gives RGB patches and uses only RGB images: grey images are skipped (listed
 * in `skipped` with reason 'grey') rather than replicated to three equal
 * channels, because replicated grey would teach a colour prior that
 * achromatic patches are common. Alpha is ignored.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { DEFAULT_MAX_PIXELS, readImage } from '../image/io.js';
import type { RasterImage } from '../image/types.js';
import { GncError, checkInteger, invalidArgument } from '../util/errors.js';
import { Prng } from '../util/random.js';

/** File name endings listImages accepts (compared case-insensitively). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp'];
export const DEFAULT_CACHE_BYTES = 256 * 2 ** 20;
/** Number of dihedral transforms of a square (the group D4). */
export const DIHEDRAL_COUNT = 8;

const LUMA = [0.299, 0.587, 0.114] as const;
const PROBE_CONCURRENCY = 8;
const STATE_VERSION = 1;

/**
 * The image files directly inside `dir` (not in sub-folders), as full paths,
 * sorted by file name in code-unit order so every machine sees the same list.
 * Hidden files (a leading dot, e.g. macOS `._name.png` companions) are left out.
 */
export async function listImages(dir: string): Promise<string[]> {
  if (typeof dir !== 'string' || dir === '') throw invalidArgument('the training image folder', 'a folder path', dir);
  let names: string[];
  try {
    const stat = await fs.stat(dir);
    if (!stat.isDirectory()) {
      throw new GncError('invalid-argument', `Training image folder ${dir} is not a folder; expected a folder of PNG, JPEG, TIFF or WebP images`);
    }
    names = await fs.readdir(dir);
  } catch (err) {
    if (err instanceof GncError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permission denied)' : `could not be read (${(err as Error).message})`;
    throw new GncError('io', `Training image folder ${dir} ${reason}; expected a folder of PNG, JPEG, TIFF or WebP images`, { cause: err });
  }
  const images: string[] = [];
  for (const name of names) {
    if (name.startsWith('.') || !IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase())) continue;
    const full = path.join(dir, name);
    try {
      if ((await fs.stat(full)).isFile()) images.push(full);
    } catch {
      // A dangling link or a file removed meanwhile is not an image we can use.
    }
  }
  if (images.length === 0) {
    throw new GncError(
      'invalid-argument',
      `Training image folder ${dir} holds no images; expected files ending in ${IMAGE_EXTENSIONS.join(', ')} (any case)`,
    );
  }
  return images.sort((a, b) => (path.basename(a) < path.basename(b) ? -1 : path.basename(a) > path.basename(b) ? 1 : 0));
}

// ---------------------------------------------------------------- types

export interface PatchSamplerOptions {
  /** A folder of training images (listImages). Give exactly one of `dir` and `files`. */
  dir?: string;
  /** Explicit image files, used in the order given (holdout takes the last ones). */
  files?: readonly string[];
  /** Side P of the square patches. */
  patchSize: number;
  /** Patches per batch, B. The patch stream itself does not depend on it. */
  batchSize: number;
  /** 1 | 'grey': luma of RGB images; 3 | 'colour': RGB images only (grey ones are skipped). */
  channels: 1 | 3 | 'grey' | 'colour';
  /** Any safe integer; default 0. Ignored by `restore`, whose state carries the generator. */
  seed?: number;
  /** Random flips and 90° rotations (all 8 dihedral transforms, equally likely). Default true. */
  augment?: boolean;
  /** Bound on the decoded-image cache, in float32 bytes. Default 256 MiB. */
  cacheBytes?: number;
  /** Reserve the last n files as a validation set, never sampled for training. Default 0. */
  holdout?: number;
}

export interface PatchBatch {
  /** [B, P, P, C] row-major (NHWC), values as decoded (nominally [0, 1]). */
  data: Float32Array;
  shape: { n: number; h: number; w: number; c: 1 | 3 };
}

export interface SkippedImage {
  file: string;
  reason: 'too-small' | 'grey' | 'too-large' | 'unreadable';
  message: string;
}

export interface CacheStats {
  entries: number;
  bytes: number;
  /** Image look-ups served from the cache / decoded from disk (one look-up per distinct image per batch). */
  hits: number;
  misses: number;
}

/** Everything needed to continue a sampler exactly; plain JSON. */
export interface PatchSamplerState {
  version: number;
  /** Prng.getState() after the last delivered batch. */
  rng: number[];
  batches: number;
  patches: number;
  /** Identifies the usable images (names and sizes), P, C and augment, so a mismatched restore is refused. */
  fingerprint: string;
}

interface Source {
  file: string;
  width: number;
  height: number;
}

interface Config {
  patchSize: number;
  batchSize: number;
  channels: 1 | 3;
  seed: number;
  augment: boolean;
  cacheBytes: number;
  holdout: number;
}

// ---------------------------------------------------------------- sampler

export class PatchSampler {
  readonly patchSize: number;
  readonly batchSize: number;
  readonly channels: 1 | 3;
  readonly augment: boolean;
  readonly cacheBytes: number;
  /** The images patches are drawn from, in list order. */
  readonly trainingFiles: readonly string[];
  /** The held-out files (the last `holdout` of the list), never sampled. */
  readonly validationFiles: readonly string[];
  /** Training files that cannot give patches, with why. */
  readonly skipped: readonly SkippedImage[];

  private readonly sources: readonly Source[];
  private readonly fingerprint: string;
  private rngState: number[];
  private batches = 0;
  private patches = 0;
  private readonly cache = new Map<number, Float32Array>();
  private cachedBytes = 0;
  private hits = 0;
  private misses = 0;
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(config: Config, sources: Source[], validation: string[], skipped: SkippedImage[]) {
    this.patchSize = config.patchSize;
    this.batchSize = config.batchSize;
    this.channels = config.channels;
    this.augment = config.augment;
    this.cacheBytes = config.cacheBytes;
    this.sources = sources;
    this.trainingFiles = sources.map((s) => s.file);
    this.validationFiles = validation;
    this.skipped = skipped;
    this.fingerprint = fingerprintOf(config, sources);
    this.rngState = new Prng(config.seed).getState();
  }

  /** Lists the images, reads their headers (not their pixels) and sets the sampler up. */
  static async create(options: PatchSamplerOptions): Promise<PatchSampler> {
    const config = checkOptions(options);
    const all = options.files !== undefined ? checkFiles(options.files) : await listImages(options.dir!);
    const where = options.dir !== undefined ? `folder ${options.dir}` : 'the given file list';
    if (config.holdout >= all.length) {
      throw new GncError(
        'invalid-argument',
        `holdout ${config.holdout} leaves no training images: ${where} holds only ${all.length} image${all.length === 1 ? '' : 's'}`,
      );
    }
    const training = all.slice(0, all.length - config.holdout);
    const validation = all.slice(all.length - config.holdout);
    const { sources, skipped } = await probeAll(training, config);
    if (sources.length === 0) {
      const counts = new Map<string, number>();
      for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
      const summary = [...counts].map(([reason, n]) => `${n} ${reason}`).join(', ');
      throw new GncError(
        'invalid-argument',
        `None of the ${training.length} training images in ${where} can give ${config.patchSize}×${config.patchSize} ` +
          `${config.channels === 3 ? 'colour' : 'grey'} patches (${summary}); first: ${skipped[0]!.message}`,
      );
    }
    return new PatchSampler(config, sources, validation, skipped);
  }

  /**
   * A sampler over the same images and options that continues from `state`
   * (from `state()`): its batches are bit-identical to those the original
   * would have produced next. `batchSize` may differ; the patch stream continues.
   */
  static async restore(options: PatchSamplerOptions, state: PatchSamplerState): Promise<PatchSampler> {
    const expected = 'a patch sampler state from PatchSampler.state()';
    if (typeof state !== 'object' || state === null) throw invalidArgument('the sampler state', expected, state);
    if (state.version !== STATE_VERSION) {
      throw new GncError('invalid-argument', `Patch sampler state version ${String(state.version)} is not supported; expected ${STATE_VERSION}`);
    }
    checkInteger('the sampler state batches', state.batches, 0, Number.MAX_SAFE_INTEGER);
    checkInteger('the sampler state patches', state.patches, 0, Number.MAX_SAFE_INTEGER);
    const rng = Prng.fromState(state.rng); // validates
    const sampler = await PatchSampler.create(options);
    if (state.fingerprint !== sampler.fingerprint) {
      throw new GncError(
        'invalid-argument',
        'The patch sampler state was saved over different training images or options (patch size, channels, augment, holdout) ' +
          `than these (fingerprint ${String(state.fingerprint)}, now ${sampler.fingerprint}); an exact resume needs the same ones`,
      );
    }
    sampler.rngState = rng.getState();
    sampler.batches = state.batches;
    sampler.patches = state.patches;
    return sampler;
  }

  /**
   * The next batch. Calls may overlap; they are served in call order. A batch
   * that fails (e.g. a file removed meanwhile) consumes nothing: the next call
   * draws the same patches again.
   */
  next(): Promise<PatchBatch> {
    const run = this.tail.then(() => this.produce());
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Position after the last delivered batch; JSON-serialisable. */
  state(): PatchSamplerState {
    return { version: STATE_VERSION, rng: [...this.rngState], batches: this.batches, patches: this.patches, fingerprint: this.fingerprint };
  }

  cacheStats(): CacheStats {
    return { entries: this.cache.size, bytes: this.cachedBytes, hits: this.hits, misses: this.misses };
  }

  private async produce(): Promise<PatchBatch> {
    const P = this.patchSize;
    const B = this.batchSize;
    const C = this.channels;
    const rng = Prng.fromState(this.rngState);
    // All draws first, in patch order, so the stream never depends on the cache.
    const picks = new Int32Array(4 * B);
    for (let i = 0; i < B; i++) {
      const s = randomInt(rng, this.sources.length);
      const src = this.sources[s]!;
      picks[4 * i] = s;
      picks[4 * i + 1] = randomInt(rng, src.height - P + 1);
      picks[4 * i + 2] = randomInt(rng, src.width - P + 1);
      picks[4 * i + 3] = this.augment ? randomInt(rng, DIHEDRAL_COUNT) : 0;
    }
    // Each distinct image is looked up once per batch, cached ones first so a
    // decode cannot evict an image this batch still needs.
    const slots = new Map<number, number[]>();
    for (let i = 0; i < B; i++) {
      const s = picks[4 * i]!;
      const list = slots.get(s);
      if (list) list.push(i);
      else slots.set(s, [i]);
    }
    const order = [...slots.keys()].sort((a, b) => Number(this.cache.has(b)) - Number(this.cache.has(a)));
    const data = new Float32Array(B * P * P * C);
    for (const s of order) {
      const src = this.sources[s]!;
      const pixels = await this.pixels(s);
      const image = { width: src.width, height: src.height, channels: C, data: pixels };
      for (const i of slots.get(s)!) {
        extractPatch(image, picks[4 * i + 2]!, picks[4 * i + 1]!, P, picks[4 * i + 3]!, data, i * P * P * C);
      }
    }
    this.rngState = rng.getState();
    this.batches += 1;
    this.patches += B;
    return { data, shape: { n: B, h: P, w: P, c: C } };
  }

  /** Decoded pixels of source s in the sampler's channels, through the LRU cache. */
  private async pixels(s: number): Promise<Float32Array> {
    const cached = this.cache.get(s);
    if (cached) {
      this.hits += 1;
      this.cache.delete(s); // re-insert: Map order is recency order
      this.cache.set(s, cached);
      return cached;
    }
    this.misses += 1;
    const src = this.sources[s]!;
    const image = await readImage(src.file);
    if (image.width !== src.width || image.height !== src.height) {
      throw new GncError(
        'invalid-image',
        `Training image ${src.file} is now ${image.width}×${image.height} but was ${src.width}×${src.height} when the sampler started; ` +
          'expected the training images to stay unchanged',
      );
    }
    const pixels = toChannels(image, this.channels, src.file);
    const bytes = pixels.byteLength;
    if (bytes <= this.cacheBytes) {
      for (const [key, value] of this.cache) {
        if (this.cachedBytes + bytes <= this.cacheBytes) break;
        this.cache.delete(key);
        this.cachedBytes -= value.byteLength;
      }
      this.cache.set(s, pixels);
      this.cachedBytes += bytes;
    }
    return pixels;
  }
}

// ---------------------------------------------------------------- patches

/**
 * Copies the P×P crop at (x0, y0) of `image`, under dihedral transform k, to
 * `out` at `offset` (P·P·C values, HWC). k's bits: 4 = transpose, 2 = flip
 * vertically, 1 = flip horizontally, applied in that order, so output pixel
 * (r, c) is crop pixel (r', c') with (r', c') = k&4 ? (c, r) : (r, c), then
 * r' → P−1−r' if k&2 and c' → P−1−c' if k&1. k = 0 is the identity; 5 and
 * 6 are the two 90° rotations, 3 the 180° one.
 */
export function extractPatch(image: RasterImage, x0: number, y0: number, P: number, k: number, out: Float32Array, offset = 0): void {
  const { width, channels: C, data } = image;
  if (x0 < 0 || y0 < 0 || x0 + P > width || y0 + P > image.height) {
    throw new GncError('invalid-argument', `A ${P}×${P} crop at (${x0}, ${y0}) does not fit in a ${width}×${image.height} image`);
  }
  const transpose = (k & 4) !== 0;
  const flipV = (k & 2) !== 0;
  const flipH = (k & 1) !== 0;
  let o = offset;
  for (let r = 0; r < P; r++) {
    for (let c = 0; c < P; c++) {
      let sr = transpose ? c : r;
      let sc = transpose ? r : c;
      if (flipV) sr = P - 1 - sr;
      if (flipH) sc = P - 1 - sc;
      let i = ((y0 + sr) * width + x0 + sc) * C;
      for (let ch = 0; ch < C; ch++) out[o++] = data[i++]!;
    }
  }
}

/** Uniform integer in [0, n) from 53 random bits (bias below 2^-40 for any n the sampler meets). */
function randomInt(rng: Prng, n: number): number {
  return Math.floor(rng.uniform() * n);
}

function toChannels(image: RasterImage, channels: 1 | 3, file: string): Float32Array {
  if (image.channels === channels) return image.data;
  if (channels === 1) {
    const n = image.width * image.height;
    const grey = new Float32Array(n);
    const d = image.data;
    for (let p = 0, i = 0; p < n; p++, i += 3) grey[p] = LUMA[0] * d[i]! + LUMA[1] * d[i + 1]! + LUMA[2] * d[i + 2]!;
    return grey;
  }
  throw new GncError('invalid-image', `Training image ${file} decoded as grey; a colour (3-channel) sampler needs RGB images`);
}

// ---------------------------------------------------------------- set-up

function checkOptions(options: PatchSamplerOptions): Config {
  if (typeof options !== 'object' || options === null) throw invalidArgument('the patch sampler options', 'an object', options);
  if ((options.dir === undefined) === (options.files === undefined)) {
    throw invalidArgument('the patch sampler images', 'exactly one of dir (a folder) and files (a list)', {
      dir: options.dir,
      files: options.files === undefined ? undefined : `${options.files.length} files`,
    });
  }
  const patchSize = checkInteger('patchSize', options.patchSize, 1, 65_535);
  const batchSize = checkInteger('batchSize', options.batchSize, 1, 1 << 20);
  const ch = options.channels;
  const channels = ch === 1 || ch === 'grey' ? 1 : ch === 3 || ch === 'colour' ? 3 : undefined;
  if (channels === undefined) throw invalidArgument('channels', "1 or 'grey', 3 or 'colour'", ch);
  const seed = options.seed === undefined ? 0 : checkInteger('seed', options.seed, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (options.augment !== undefined && typeof options.augment !== 'boolean') throw invalidArgument('augment', 'true or false', options.augment);
  const cacheBytes = options.cacheBytes === undefined ? DEFAULT_CACHE_BYTES : checkInteger('cacheBytes', options.cacheBytes, 0, Number.MAX_SAFE_INTEGER);
  const holdout = options.holdout === undefined ? 0 : checkInteger('holdout', options.holdout, 0, Number.MAX_SAFE_INTEGER);
  return { patchSize, batchSize, channels, seed, augment: options.augment ?? true, cacheBytes, holdout };
}

function checkFiles(files: readonly string[]): string[] {
  if (!Array.isArray(files) || files.length === 0) throw invalidArgument('files', 'a non-empty list of image paths', files);
  const seen = new Set<string>();
  for (const f of files) {
    if (typeof f !== 'string' || f === '') throw invalidArgument('files', 'a list of image paths', files);
    const key = path.resolve(f);
    if (seen.has(key)) throw new GncError('invalid-argument', `Training file ${f} is listed twice; expected each image once`);
    seen.add(key);
  }
  return [...files];
}

async function probeAll(files: readonly string[], config: Config): Promise<{ sources: Source[]; skipped: SkippedImage[] }> {
  const results: Array<Source | SkippedImage> = new Array(files.length);
  let nextIndex = 0;
  const worker = async (): Promise<void> => {
    while (nextIndex < files.length) {
      const i = nextIndex++;
      results[i] = await probe(files[i]!, config);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, files.length) }, worker));
  const sources: Source[] = [];
  const skipped: SkippedImage[] = [];
  for (const r of results) {
    if ('reason' in r) skipped.push(r);
    else sources.push(r);
  }
  return { sources, skipped };
}

/** Reads the header only (the file is read into memory, as readImage does, and dropped). */
async function probe(file: string, config: Config): Promise<Source | SkippedImage> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `could not be read (${(err as Error).message})`;
    throw new GncError('io', `Training image ${file} ${reason}; expected a PNG, JPEG, TIFF or WebP image file`, { cause: err });
  }
  let width: number, height: number, grey: boolean;
  try {
    const meta = await sharp(bytes, { failOn: 'error', limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height || !meta.channels) throw new Error('its header gives no size');
    if (!['png', 'jpeg', 'tiff', 'webp'].includes(meta.format as string)) throw new Error(`it is a ${String(meta.format).toUpperCase()} image`);
    width = meta.width;
    height = meta.height;
    // The same test readImage applies, so the probe agrees with what decoding gives.
    const space = meta.space as string | undefined;
    grey = space === 'b-w' || space === 'grey16' || meta.channels - (meta.hasAlpha ? 1 : 0) === 1;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { file, reason: 'unreadable', message: `${file} could not be read as a PNG, JPEG, TIFF or WebP image (${why})` };
  }
  const P = config.patchSize;
  if (width < P || height < P) {
    return { file, reason: 'too-small', message: `${file} is ${width}×${height}, smaller than the ${P}×${P} patches` };
  }
  if (width * height > DEFAULT_MAX_PIXELS) {
    return { file, reason: 'too-large', message: `${file} is ${width}×${height}, more than the ${DEFAULT_MAX_PIXELS} pixels readImage allows` };
  }
  if (grey && config.channels === 3) {
    return { file, reason: 'grey', message: `${file} is a grey image; a colour (3-channel) sampler uses RGB images only` };
  }
  return { file, width, height };
}

/** FNV-1a over what decides the patch stream: P, C, augment and the usable images' names and sizes, in order. */
function fingerprintOf(config: Config, sources: readonly Source[]): string {
  const text = [`P${config.patchSize}`, `C${config.channels}`, `A${config.augment ? 1 : 0}`, ...sources.map((s) => `${path.basename(s.file)}:${s.width}x${s.height}`)].join('|');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `${(h >>> 0).toString(16).padStart(8, '0')}-${sources.length}`;
}
