/**
 * Crops for fast previews: while a slider moves, the app runs a normal job on
 * a small rectangle of the photo instead of the whole of it. The crop is
 * written losslessly at the image's own bit depth, with its ICC profile, so
 * the preview computes on exactly the pixels the full run would.
 *
 * The last two decoded images are kept in memory: slider previews crop the
 * same photo (and its clean reference, when there is one) again and again,
 * and decoding a large photo is the slow part.
 */
import { decodeImage, readMask, writeImage } from '../image/io.js';
import type { DecodedImage, RasterImage } from '../image/types.js';
import { promises as fs } from 'node:fs';
import { GncError } from '../util/errors.js';
import type { CropRect } from './engine-api.js';

const MIN_SIDE = 8;

const CACHED = 2;
/** Most recently used first. */
let cached: Array<{ file: string; mtimeMs: number; image: DecodedImage }> = [];

async function decodeCached(file: string): Promise<DecodedImage> {
  const { mtimeMs } = await fs.stat(file);
  const hit = cached.find((c) => c.file === file && c.mtimeMs === mtimeMs);
  const entry = hit ?? { file, mtimeMs, image: await decodeImage(await fs.readFile(file), {}, file) };
  cached = [entry, ...cached.filter((c) => c !== entry && c.file !== file)].slice(0, CACHED);
  return entry.image;
}

/** The part of `crop` inside a width×height image; an error when too little of it is. */
export function clampCrop(crop: CropRect, width: number, height: number): CropRect {
  const x = Math.min(Math.max(0, crop.x), width);
  const y = Math.min(Math.max(0, crop.y), height);
  const w = Math.min(crop.x + crop.width, width) - x;
  const h = Math.min(crop.y + crop.height, height) - y;
  if (w < MIN_SIDE || h < MIN_SIDE) {
    throw new GncError(
      'invalid-argument',
      `The preview crop at (${crop.x}, ${crop.y}) of ${crop.width}×${crop.height} leaves ${Math.max(w, 0)}×${Math.max(h, 0)} pixels inside the ${width}×${height} image; expected at least ${MIN_SIDE}×${MIN_SIDE}`,
    );
  }
  return { x, y, width: w, height: h };
}

function cropPlane(data: Float32Array, width: number, channels: number, c: CropRect): Float32Array {
  const out = new Float32Array(c.width * c.height * channels);
  const rowLength = c.width * channels;
  for (let row = 0; row < c.height; row++) {
    const from = ((c.y + row) * width + c.x) * channels;
    out.set(data.subarray(from, from + rowLength), row * rowLength);
  }
  return out;
}

/** Writes the crop of `file` to `target` (PNG for 8/16-bit, float TIFF for 32-bit). */
export async function writeImageCrop(file: string, crop: CropRect, target: string): Promise<void> {
  const image = await decodeCached(file);
  const c = clampCrop(crop, image.width, image.height);
  await writeImage(target, {
    width: c.width,
    height: c.height,
    channels: image.channels,
    data: cropPlane(image.data, image.width, image.channels, c),
    bitDepth: image.bitDepth,
    ...(image.alpha ? { alpha: cropPlane(image.alpha, image.width, 1, c) } : {}),
    ...(image.icc ? { icc: image.icc } : {}),
  });
}

/**
 * The crop's colour pixels as writeImageCrop writes them (and a preview job
 * then reads them back: the file round trip is lossless), without the file:
 * for a preview solved in the page (app/gpu-plan.ts).
 */
export async function readImageCrop(file: string, crop: CropRect): Promise<{ crop: CropRect; image: RasterImage }> {
  const image = await decodeCached(file);
  const c = clampCrop(crop, image.width, image.height);
  return { crop: c, image: { width: c.width, height: c.height, channels: image.channels, data: cropPlane(image.data, image.width, image.channels, c) } };
}

/** Writes the crop of a mask as an 8-bit grey PNG (255 = fill in). */
export async function writeMaskCrop(file: string, width: number, height: number, crop: CropRect, target: string): Promise<void> {
  const observed = await readMask(file, width, height);
  const c = clampCrop(crop, width, height);
  const part = cropPlane(observed, width, 1, c);
  const fill = new Float32Array(part.length);
  for (let i = 0; i < part.length; i++) fill[i] = part[i] === 0 ? 1 : 0;
  await writeImage(target, { width: c.width, height: c.height, channels: 1, data: fill, bitDepth: 8 });
}
