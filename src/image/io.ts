/**
 * Image files in and out of the engine, through sharp (libvips).
 *
 * Pixel values are taken as stored: the embedded ICC profile is NOT applied on
 * read (sharp would otherwise convert to sRGB, or to P3 for 16-bit input) but
 * returned beside the pixels and attached again on write, so a restored photo
 * keeps its colour space and 16-bit data round-trips bit for bit. CMYK and
 * other non-RGB spaces are the exception: they are converted to sRGB and their
 * profile is dropped, because it no longer describes the pixels.
 *
 * Orientation is never applied either; the EXIF block travels with the image
 * so viewers rotate the output exactly as they rotated the input.
 */
import { promises as fs } from 'node:fs';
import { extname } from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { GncError, checkInteger, invalidArgument } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { DecodedImage, ImageFormat, RasterImage } from './types.js';

export const DEFAULT_MAX_PIXELS = 250_000_000;

export interface ReadOptions {
  /** Refuse images with more pixels than this (checked from the header, before decoding). */
  maxPixels?: number;
}

export interface EncodeOptions {
  /**
   * Bits per sample. JPEG and WebP only hold 8 and get 8 whatever is asked;
   * PNG holds 8 or 16; TIFF 8, 16 or 32 (float). Defaults to the image's own
   * bitDepth (clamped to what the format holds), else 8.
   */
  bitDepth?: 8 | 16 | 32;
  /** 1–100, JPEG and WebP only. */
  quality?: number;
}

export interface WriteOptions extends EncodeOptions {
  /** Defaults to the format named by the file extension. */
  format?: ImageFormat;
}

export type WritableImage = RasterImage & Partial<Pick<DecodedImage, 'alpha' | 'icc' | 'exif' | 'bitDepth'>>;

const FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'tiff', 'webp'];
const EXPECTED_FORMATS = 'a PNG, JPEG, TIFF or WebP image';
const EXTENSIONS: Record<string, ImageFormat> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.tif': 'tiff',
  '.tiff': 'tiff',
  '.webp': 'webp',
};
// Sizes the encoders themselves refuse; checked up front for a clearer message.
const MAX_SIDE: Record<ImageFormat, number> = { png: 2 ** 31 - 1, jpeg: 65_535, tiff: 2 ** 31 - 1, webp: 16_383 };
// High by default: output is the end product of a restoration, not a thumbnail.
const DEFAULT_QUALITY = 95;

/** The format a file name implies; throws invalid-argument for anything else. */
export function formatFromPath(path: string): ImageFormat {
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (!format) {
    throw invalidArgument('the output file name', `an extension among ${Object.keys(EXTENSIONS).join(' ')}`, path);
  }
  return format;
}

// ---------------------------------------------------------------- reading

export async function readImage(path: string, options: ReadOptions = {}): Promise<DecodedImage> {
  const bytes = await readFileChecked(path, 'Image');
  const image = await decodeImage(bytes, options, path);
  image.path = path;
  return image;
}

/**
 * Decodes an encoded image held in memory. `label` names it in error messages.
 * Files are read into a Buffer rather than handed to sharp by path, so that
 * libvips' file cache can never serve a stale copy of a file we rewrote.
 */
export async function decodeImage(bytes: Buffer, options: ReadOptions = {}, label = 'the image buffer'): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (typeof maxPixels !== 'number' || !(maxPixels > 0)) {
    throw invalidArgument('maxPixels', 'a positive number', maxPixels);
  }
  if (!Buffer.isBuffer(bytes)) throw invalidArgument('bytes', 'a Buffer holding an encoded image', describeArray(bytes));
  if (bytes.length === 0) throw new GncError('invalid-image', `${label} is empty (0 bytes); expected ${EXPECTED_FORMATS}`);
  const header = await probe(bytes, label, 'invalid-image');
  if (header.width * header.height > maxPixels) {
    throw new GncError(
      'image-too-large',
      `${label} is ${header.width}×${header.height} (${megapixels(header.width * header.height)} megapixels) ` +
        `but at most ${maxPixels} pixels (${megapixels(maxPixels)} megapixels) are allowed; raise maxPixels to read it`,
    );
  }
  return decodePixels(bytes, header, label, 'invalid-image');
}

/**
 * The engine's observed-pixel mask M (H*W, 1 = observed, 0 = fill in) from a
 * mask file in which any non-zero colour channel means "fill in". Alpha is
 * ignored so that a mask painted on a transparent layer still works.
 */
export async function readMask(path: string, width: number, height: number): Promise<Float32Array> {
  checkInteger('mask width', width, 1, Number.MAX_SAFE_INTEGER);
  checkInteger('mask height', height, 1, Number.MAX_SAFE_INTEGER);
  const bytes = await readFileChecked(path, 'Mask');
  const header = await probe(bytes, `mask ${path}`, 'invalid-mask');
  if (header.width !== width || header.height !== height) {
    throw new GncError(
      'invalid-mask',
      `Mask ${path} is ${header.width}×${header.height} but the image it masks is ${width}×${height}; ` +
        'expected a mask of the same size',
    );
  }
  const mask = await decodePixels(bytes, header, `mask ${path}`, 'invalid-mask');
  const { data, channels } = mask;
  const observed = new Float32Array(width * height);
  for (let p = 0, i = 0; p < observed.length; p++, i += channels) {
    let fill = false;
    for (let c = 0; c < channels; c++) if (data[i + c] !== 0) fill = true;
    observed[p] = fill ? 0 : 1;
  }
  return observed;
}

interface Header {
  format: ImageFormat;
  width: number;
  height: number;
  depth: 8 | 16 | 32;
  grey: boolean;
  hasAlpha: boolean;
  /** Colour-converted to sRGB on read, so its profile is not carried along. */
  convert: boolean;
  icc?: Buffer;
  exif?: Buffer;
}

type DecodeErrorKind = 'invalid-image' | 'invalid-mask';

async function readFileChecked(path: string, what: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'is not readable (permission denied)' : `could not be read (${(err as Error).message})`;
    throw new GncError('io', `${what} file ${path} ${reason}; expected ${EXPECTED_FORMATS} file`, { cause: err });
  }
  if (bytes.length === 0) {
    const kind = what === 'Mask' ? 'invalid-mask' : 'invalid-image';
    throw new GncError(kind, `${what} file ${path} is empty (0 bytes); expected ${EXPECTED_FORMATS}`);
  }
  return bytes;
}

/** Reads only the header, so a huge or hostile file is refused before any pixel is decoded. */
async function probe(bytes: Buffer, label: string, kind: DecodeErrorKind): Promise<Header> {
  let meta: Metadata;
  try {
    meta = await open(bytes).metadata();
  } catch (err) {
    throw new GncError(kind, `Could not decode ${label}: expected ${EXPECTED_FORMATS} (${errorText(err)})`, { cause: err });
  }
  const format = meta.format as string;
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new GncError(kind, `${label} is a ${String(format).toUpperCase()} image; expected ${EXPECTED_FORMATS}`);
  }
  const { width, height, channels } = meta;
  if (!width || !height || !channels) {
    throw new GncError(kind, `Could not decode ${label}: its header gives no size (expected ${EXPECTED_FORMATS})`);
  }
  let depth: 8 | 16 | 32;
  if (meta.depth === 'uchar') depth = 8;
  else if (meta.depth === 'ushort') depth = 16;
  else if (meta.depth === 'float' || meta.depth === 'double') depth = 32;
  else {
    throw new GncError(kind, `${label} stores ${meta.depth} samples; expected 8- or 16-bit unsigned integers or 32-bit floats`);
  }
  const hasAlpha = meta.hasAlpha === true;
  const space = meta.space as string | undefined;
  const grey = space === 'b-w' || space === 'grey16' || channels - (hasAlpha ? 1 : 0) === 1;
  const nativeRgb = space === 'srgb' || space === 'rgb16' || space === 'scrgb';
  const convert = !grey && !nativeRgb;
  return {
    format: format as ImageFormat,
    width,
    height,
    // A converted CMYK/Lab image goes through libvips' 8-bit sRGB path.
    depth: convert && depth === 16 ? 8 : depth,
    grey,
    hasAlpha,
    convert,
    ...(meta.icc && !convert ? { icc: Buffer.from(meta.icc) } : {}),
    ...(meta.exif ? { exif: Buffer.from(meta.exif) } : {}),
  };
}

async function decodePixels(bytes: Buffer, header: Header, label: string, kind: DecodeErrorKind): Promise<DecodedImage> {
  const { width, height, depth, grey, hasAlpha } = header;
  const channels: 1 | 3 = grey ? 1 : 3;
  const n = width * height;
  // keepIccProfile() is what stops sharp converting pixels through the profile.
  const base = (): Sharp => (header.convert ? open(bytes) : open(bytes).keepIccProfile());
  let samples: Float32Array;
  let stored: number;
  try {
    if (depth === 32) {
      // libvips calls float RGB 'scrgb'; naming it keeps the values untouched.
      const raw = await base().toColourspace(grey ? 'b-w' : 'scrgb').raw({ depth: 'float' }).toBuffer({ resolveWithObject: true });
      samples = new Float32Array(raw.data.buffer, raw.data.byteOffset, raw.data.length / 4);
      stored = raw.info.channels;
      if (grey && hasAlpha) {
        // sharp's raw output keeps only band 0 of a float 'b-w' image, so alpha comes in a second pass.
        const a = await base().toColourspace('b-w').extractChannel(1).raw({ depth: 'float' }).toBuffer();
        const withAlpha = new Float32Array(n * 2);
        const alphaPlane = new Float32Array(a.buffer, a.byteOffset, n);
        for (let p = 0; p < n; p++) {
          withAlpha[2 * p] = samples[p]!;
          withAlpha[2 * p + 1] = alphaPlane[p]!;
        }
        samples = withAlpha;
        stored = 2;
      }
    } else if (grey) {
      // Grey always decodes as 16-bit: 'b-w' raw output would drop the alpha band,
      // and libvips widens 8-bit grey exactly (v·257), so v·257/65535 = v/255.
      const raw = await base().toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      samples = scale(new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.length / 2), 1 / 65535);
      stored = raw.info.channels;
    } else if (depth === 16) {
      const raw = await base().toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      samples = scale(new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.length / 2), 1 / 65535);
      stored = raw.info.channels;
    } else {
      // 8-bit colour stays 8-bit: libvips widens sRGB to RGB16 by v·256, which is not exact.
      const raw = await base().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      samples = scale(raw.data, 1 / 255);
      stored = raw.info.channels;
    }
  } catch (err) {
    throw new GncError(kind, `Could not decode the pixels of ${label}: expected ${EXPECTED_FORMATS} (${errorText(err)})`, { cause: err });
  }
  if (stored !== channels && stored !== channels + 1) {
    throw new GncError(kind, `Decoding ${label} gave ${stored} channels; expected ${channels} or ${channels + 1}`);
  }
  if (samples.length !== n * stored) {
    throw new GncError(kind, `Decoding ${label} gave ${samples.length} samples; expected ${width}×${height}×${stored}`);
  }
  const image: DecodedImage = { width, height, channels, data: samples, bitDepth: depth, format: header.format };
  if (stored === channels + 1) {
    const data = new Float32Array(n * channels);
    const alpha = new Float32Array(n);
    for (let p = 0, i = 0, o = 0; p < n; p++) {
      for (let c = 0; c < channels; c++) data[o++] = samples[i++]!;
      alpha[p] = samples[i++]!;
    }
    image.data = data;
    image.alpha = alpha;
  }
  if (header.icc) image.icc = header.icc;
  if (header.exif) image.exif = header.exif;
  return image;
}

function open(bytes: Buffer | Uint8Array | Uint16Array, raw?: { width: number; height: number; channels: 1 | 2 | 3 | 4 }): Sharp {
  // failOn 'error' still rejects truncated and corrupt data but accepts the
  // harmless warnings many cameras' JPEGs raise. Our own maxPixels check
  // replaces sharp's fixed pixel limit.
  return sharp(bytes, { failOn: 'error', limitInputPixels: false, ...(raw ? { raw } : {}) });
}

function scale(values: ArrayLike<number>, factor: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * factor;
  return out;
}

// ---------------------------------------------------------------- writing

/**
 * Writes atomically: the bytes go to a temp file beside the target, which is
 * renamed over it only once complete, so a crash or cancel never leaves a
 * half-written image.
 */
export async function writeImage(path: string, image: WritableImage, options: WriteOptions = {}): Promise<void> {
  const format = options.format ?? formatFromPath(path);
  const bytes = await encodeImage(image, format, options);
  await writeFileAtomic(path, bytes);
}

/**
 * Encodes to a file format in memory. Integer formats clip to [0, 1] and round;
 * 32-bit float TIFF stores the values as they are (noisy benchmark inputs are
 * deliberately unclipped). Alpha is re-attached except for JPEG, which has none.
 * ICC is re-attached to every format; EXIF to PNG, JPEG and WebP (libvips'
 * TIFF writer keeps only the orientation from it).
 */
export async function encodeImage(image: WritableImage, format: ImageFormat, options: EncodeOptions = {}): Promise<Buffer> {
  if (!FORMATS.includes(format)) throw invalidArgument('format', `one of ${FORMATS.join(', ')}`, format);
  checkRaster(image);
  const depth = outputDepth(format, options.bitDepth, image.bitDepth);
  const quality = options.quality === undefined ? DEFAULT_QUALITY : checkInteger('quality', options.quality, 1, 100);
  const { width, height, channels } = image;
  if (width > MAX_SIDE[format] || height > MAX_SIDE[format]) {
    throw new GncError(
      'image-too-large',
      `A ${width}×${height} image cannot be written as ${format.toUpperCase()}: it allows at most ${MAX_SIDE[format]} pixels a side`,
    );
  }
  const alpha = format === 'jpeg' ? undefined : image.alpha;
  const grey = channels === 1;
  const icc = image.icc && iccMatches(image.icc, grey && format !== 'webp') ? image.icc : undefined;
  const exif = image.exif;

  try {
    if (depth === 32) {
      return encodeFloatTiff(image.data, alpha, width, height, channels, icc, exif ? exifOrientation(exif) : 1);
    }
    const bands = (channels + (alpha ? 1 : 0)) as 1 | 2 | 3 | 4;
    const pixels = quantise(image.data, alpha, channels, depth);
    const space = grey ? (depth === 16 ? 'grey16' : 'b-w') : depth === 16 ? 'rgb16' : 'srgb';
    const raw = open(pixels, { width, height, channels: bands }).toColourspace(space);
    if (!icc && !exif) return await encoder(raw, format, quality).toBuffer();
    if (format === 'png') return withPngMetadata(await raw.png().toBuffer(), icc, exif);
    // sharp can only carry over an ICC profile or EXIF block that an input
    // file holds (withIccProfile converts pixels; withExif takes tag strings),
    // so the pixels travel through a lossless PNG that holds both.
    const carrier = withPngMetadata(await raw.png({ compressionLevel: 0 }).toBuffer(), icc, exif);
    let pipeline = open(carrier).keepIccProfile();
    // For TIFF, libvips keeps only the Orientation tag of the EXIF block.
    if (exif) pipeline = pipeline.keepExif();
    return await encoder(pipeline.toColourspace(space), format, quality).toBuffer();
  } catch (err) {
    if (err instanceof GncError) throw err;
    throw new GncError('invalid-image', `Could not encode a ${width}×${height} image as ${depth}-bit ${format.toUpperCase()}: ${errorText(err)}`, {
      cause: err,
    });
  }
}

function encoder(pipeline: Sharp, format: ImageFormat, quality: number): Sharp {
  switch (format) {
    case 'png':
      return pipeline.png();
    case 'jpeg':
      // 4:4:4 because chroma subsampling would blur exactly the detail we restored.
      return pipeline.jpeg({ quality, chromaSubsampling: '4:4:4' });
    case 'webp':
      // WebP is always 4:2:0; smart subsampling keeps colour edges sharper.
      return pipeline.webp({ quality, smartSubsample: true });
    case 'tiff':
      // sharp's TIFF default is JPEG compression: lossy, 8-bit only, no alpha.
      return pipeline.tiff({ compression: 'deflate', predictor: 'horizontal' });
  }
}

function checkRaster(image: WritableImage): void {
  if (image === null || typeof image !== 'object') throw invalidArgument('image', 'an object with width, height, channels and data', image);
  checkInteger('image.width', image.width, 1, Number.MAX_SAFE_INTEGER);
  checkInteger('image.height', image.height, 1, Number.MAX_SAFE_INTEGER);
  if (image.channels !== 1 && image.channels !== 3) throw invalidArgument('image.channels', '1 or 3', image.channels);
  const n = image.width * image.height;
  if (!(image.data instanceof Float32Array) || image.data.length !== n * image.channels) {
    throw invalidArgument('image.data', `a Float32Array of ${image.width}×${image.height}×${image.channels} = ${n * image.channels} values`, describeArray(image.data));
  }
  if (image.alpha !== undefined && (!(image.alpha instanceof Float32Array) || image.alpha.length !== n)) {
    throw invalidArgument('image.alpha', `a Float32Array of ${image.width}×${image.height} = ${n} values`, describeArray(image.alpha));
  }
}

function outputDepth(format: ImageFormat, requested: unknown, inherited: 8 | 16 | 32 | undefined): 8 | 16 | 32 {
  if (requested !== undefined && requested !== 8 && requested !== 16 && requested !== 32) {
    throw invalidArgument('bitDepth', '8, 16 or 32', requested);
  }
  if (format === 'jpeg' || format === 'webp') return 8;
  const depth = (requested as 8 | 16 | 32 | undefined) ?? inherited ?? 8;
  if (format === 'png') {
    if (requested === 32) throw invalidArgument('bitDepth for PNG', '8 or 16 (32-bit float needs TIFF)', requested);
    return depth === 8 ? 8 : 16; // an inherited 32 (float TIFF input) becomes PNG's best, 16
  }
  return depth;
}

/** Clip to [0, 1], round to the integer scale and interleave alpha back in. */
function quantise(data: Float32Array, alpha: Float32Array | undefined, channels: number, depth: 8 | 16): Uint8Array | Uint16Array {
  const max = depth === 16 ? 65535 : 255;
  const bands = channels + (alpha ? 1 : 0);
  const n = data.length / channels;
  const out = depth === 16 ? new Uint16Array(n * bands) : new Uint8Array(n * bands);
  const q = (v: number): number => (v > 0 ? (v < 1 ? Math.round(v * max) : max) : 0); // NaN → 0
  for (let p = 0, i = 0, o = 0; p < n; p++) {
    for (let c = 0; c < channels; c++) out[o++] = q(data[i++]!);
    if (alpha) out[o++] = q(alpha[p]!);
  }
  return out;
}

/** A grey profile on RGB output (or the reverse) would be invalid, so it is dropped rather than attached. */
function iccMatches(icc: Buffer, greyOutput: boolean): boolean {
  if (icc.length < 20) return false;
  const space = icc.toString('latin1', 16, 20);
  return greyOutput ? space === 'GRAY' : space === 'RGB ';
}

// ---- PNG metadata chunks

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');

/** Inserts iCCP and eXIf right after IHDR, where the PNG spec wants them (before IDAT). */
function withPngMetadata(png: Buffer, icc: Buffer | undefined, exif: Buffer | undefined): Buffer {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE) || png.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('sharp did not return a PNG starting with IHDR');
  }
  const afterIhdr = 8 + 12 + png.readUInt32BE(8);
  const parts: Buffer[] = [png.subarray(0, afterIhdr)];
  if (icc) parts.push(pngChunk('iCCP', Buffer.concat([Buffer.from('ICC Profile\0\0', 'latin1'), zlib.deflateSync(icc)])));
  // PNG's eXIf holds the bare TIFF structure; JPEG and WebP's blocks carry an "Exif\0\0" prefix.
  if (exif) parts.push(pngChunk('eXIf', exif.subarray(0, 6).equals(EXIF_HEADER) ? exif.subarray(6) : exif));
  parts.push(png.subarray(afterIhdr));
  return Buffer.concat(parts);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(zlib.crc32(chunk.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return chunk;
}

// ---- 32-bit float TIFF

/**
 * libvips can read float TIFFs but sharp cannot write one from float pixels
 * (raw float input is labelled 16-bit and cast to integers), so this writes a
 * baseline little-endian TIFF itself: float samples, deflate-compressed strips,
 * optional unassociated alpha, ICC profile and orientation.
 */
function encodeFloatTiff(
  data: Float32Array,
  alpha: Float32Array | undefined,
  width: number,
  height: number,
  channels: 1 | 3,
  icc: Buffer | undefined,
  orientation: number,
): Buffer {
  const bands = channels + (alpha ? 1 : 0);
  const rowBytes = width * bands * 4;
  const rowsPerStrip = Math.max(1, Math.min(height, Math.floor((1 << 20) / rowBytes)));
  const strips: Buffer[] = [];
  for (let y0 = 0; y0 < height; y0 += rowsPerStrip) {
    const rows = Math.min(rowsPerStrip, height - y0);
    const strip = new Float32Array(rows * width * bands);
    if (!alpha) strip.set(data.subarray(y0 * width * channels, (y0 + rows) * width * channels));
    else {
      for (let p = 0, i = y0 * width * channels, a = y0 * width, o = 0; p < rows * width; p++) {
        for (let c = 0; c < channels; c++) strip[o++] = data[i++]!;
        strip[o++] = alpha[a++]!;
      }
    }
    // Float32Array is host-endian; every platform Node and Electron ship on is little-endian, as is this file.
    strips.push(zlib.deflateSync(Buffer.from(strip.buffer, strip.byteOffset, strip.byteLength)));
  }

  type Entry = { tag: number; type: 3 | 4 | 7; values: number[] | Buffer };
  const entries: Entry[] = [
    { tag: 256, type: 4, values: [width] },
    { tag: 257, type: 4, values: [height] },
    { tag: 258, type: 3, values: Array(bands).fill(32) },
    { tag: 259, type: 3, values: [8] }, // Adobe deflate
    { tag: 262, type: 3, values: [channels === 3 ? 2 : 1] }, // RGB or BlackIsZero
    { tag: 273, type: 4, values: strips.map(() => 0) }, // StripOffsets, filled in below
    ...(orientation !== 1 ? [{ tag: 274, type: 3 as const, values: [orientation] }] : []),
    { tag: 277, type: 3, values: [bands] },
    { tag: 278, type: 4, values: [rowsPerStrip] },
    { tag: 279, type: 4, values: strips.map((s) => s.length) },
    { tag: 284, type: 3, values: [1] }, // chunky
    ...(alpha ? [{ tag: 338, type: 3 as const, values: [2] }] : []), // unassociated alpha
    { tag: 339, type: 3, values: Array(bands).fill(3) }, // IEEE float
    ...(icc ? [{ tag: 34675, type: 7 as const, values: icc }] : []),
  ];
  const unit = { 3: 2, 4: 4, 7: 1 } as const;
  let cursor = 8 + 2 + entries.length * 12 + 4;
  const outOfLine = new Map<Entry, number>();
  for (const e of entries) {
    const size = unit[e.type] * e.values.length;
    if (size > 4) {
      outOfLine.set(e, cursor);
      cursor += size + (size & 1); // TIFF offsets are word-aligned
    }
  }
  const offsets = entries.find((e) => e.tag === 273)!.values as number[];
  for (let s = 0; s < strips.length; s++) {
    offsets[s] = cursor;
    cursor += strips[s]!.length;
  }
  if (cursor > 0xffffffff) {
    throw new GncError('image-too-large', `A ${width}×${height} float TIFF would be ${cursor} bytes; classic TIFF holds at most 4 GiB`);
  }

  const out = Buffer.alloc(cursor);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(8, 4);
  out.writeUInt16LE(entries.length, 8);
  const put = (e: Entry, at: number): void => {
    if (Buffer.isBuffer(e.values)) e.values.copy(out, at);
    else e.values.forEach((v, i) => (e.type === 3 ? out.writeUInt16LE(v, at + 2 * i) : out.writeUInt32LE(v, at + 4 * i)));
  };
  entries.forEach((e, k) => {
    const at = 10 + k * 12;
    out.writeUInt16LE(e.tag, at);
    out.writeUInt16LE(e.type, at + 2);
    out.writeUInt32LE(e.values.length, at + 4);
    const where = outOfLine.get(e);
    if (where === undefined) put(e, at + 8);
    else {
      out.writeUInt32LE(where, at + 8);
      put(e, where);
    }
  });
  for (let s = 0; s < strips.length; s++) strips[s]!.copy(out, offsets[s]!);
  return out;
}

/** The Orientation tag (1–8) of an EXIF block, 1 when absent or unreadable. */
export function exifOrientation(exif: Buffer): number {
  const tiff = exif.subarray(0, 6).equals(EXIF_HEADER) ? exif.subarray(6) : exif;
  if (tiff.length < 8) return 1;
  const le = tiff.toString('latin1', 0, 2) === 'II';
  if (!le && tiff.toString('latin1', 0, 2) !== 'MM') return 1;
  const u16 = (at: number): number => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const ifd = le ? tiff.readUInt32LE(4) : tiff.readUInt32BE(4);
  if (ifd + 2 > tiff.length) return 1;
  const count = u16(ifd);
  for (let k = 0; k < count; k++) {
    const at = ifd + 2 + k * 12;
    if (at + 12 > tiff.length) break;
    if (u16(at) === 0x0112) {
      const value = u16(at + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

// ---- helpers

function megapixels(pixels: number): string {
  return (pixels / 1e6).toFixed(1);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function describeArray(value: unknown): string {
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of ${(value as unknown as ArrayLike<number>).length} values`;
  return value === undefined ? 'undefined' : typeof value;
}
