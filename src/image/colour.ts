/**
 * Colour helpers for the engine's HWC float images.
 *
 * The opponent transform is orthonormal, so i.i.d. Gaussian noise of standard
 * deviation σ in R, G, B stays i.i.d. with the same σ in Y, C1, C2: a grey
 * prior or solver tuned for σ can then run on each opponent channel as is.
 */
import { invalidArgument } from '../util/errors.js';
import type { RasterImage } from './types.js';

const S3 = Math.sqrt(3);
const S2 = Math.sqrt(2);
const S6 = Math.sqrt(6);

function checkRgb(name: string, data: Float32Array): void {
  if (!(data instanceof Float32Array) || data.length % 3 !== 0) {
    throw invalidArgument(name, 'a Float32Array of interleaved RGB values (length a multiple of 3)', ArrayBuffer.isView(data) ? `length ${(data as Float32Array).length}` : data);
  }
}

/** RGB → (Y, C1, C2) with Y = (R+G+B)/√3, C1 = (R−B)/√2, C2 = (R−2G+B)/√6. Returns a new array. */
export function rgbToOpponent(rgb: Float32Array): Float32Array {
  checkRgb('rgb', rgb);
  const out = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i]!, g = rgb[i + 1]!, b = rgb[i + 2]!;
    out[i] = (r + g + b) / S3;
    out[i + 1] = (r - b) / S2;
    out[i + 2] = (r - 2 * g + b) / S6;
  }
  return out;
}

/** Inverse of rgbToOpponent: the matrix is orthonormal, so its inverse is its transpose. */
export function opponentToRgb(opp: Float32Array): Float32Array {
  checkRgb('opponent', opp);
  const out = new Float32Array(opp.length);
  for (let i = 0; i < opp.length; i += 3) {
    const y = opp[i]! / S3, c1 = opp[i + 1]! / S2, c2 = opp[i + 2]! / S6;
    out[i] = y + c1 + c2;
    out[i + 1] = y - 2 * c2;
    out[i + 2] = y - c1 + c2;
  }
  return out;
}

/** Splits interleaved HWC data into one H*W plane per channel (solvers filter planes). */
export function toPlanes(image: Pick<RasterImage, 'width' | 'height' | 'data'> & { channels: number }): Float32Array[] {
  const { width, height, channels, data } = image;
  const n = width * height;
  if (!Number.isInteger(channels) || channels < 1) throw invalidArgument('channels', 'a positive integer', channels);
  if (!(data instanceof Float32Array) || data.length !== n * channels) {
    throw invalidArgument('data', `a Float32Array of ${width}×${height}×${channels} = ${n * channels} values`, ArrayBuffer.isView(data) ? `length ${(data as Float32Array).length}` : data);
  }
  const planes = Array.from({ length: channels }, () => new Float32Array(n));
  for (let c = 0; c < channels; c++) {
    const plane = planes[c]!;
    for (let p = 0, i = c; p < n; p++, i += channels) plane[p] = data[i]!;
  }
  return planes;
}

/**
 * The opponent planes of interleaved RGB in one pass, as views into one
 * array: toPlanes(rgbToOpponent(rgb)) value for value, with one full-size
 * copy instead of two (576 → 288 MB transient for a 24 MP photo).
 */
export function opponentPlanes(rgb: Float32Array): Float32Array[] {
  checkRgb('rgb', rgb);
  const n = rgb.length / 3;
  const out = new Float32Array(rgb.length);
  for (let p = 0, i = 0; p < n; p++, i += 3) {
    const r = rgb[i]!, g = rgb[i + 1]!, b = rgb[i + 2]!;
    out[p] = (r + g + b) / S3;
    out[n + p] = (r - b) / S2;
    out[2 * n + p] = (r - 2 * g + b) / S6;
  }
  return [out.subarray(0, n), out.subarray(n, 2 * n), out.subarray(2 * n)];
}

/** Interleaves per-channel planes back into HWC data. */
export function fromPlanes(planes: readonly Float32Array[], width: number, height: number): Float32Array {
  const n = width * height;
  if (planes.length === 0) throw invalidArgument('planes', 'at least one plane', 0);
  planes.forEach((plane, c) => {
    if (!(plane instanceof Float32Array) || plane.length !== n) {
      throw invalidArgument(`planes[${c}]`, `a Float32Array of ${width}×${height} = ${n} values`, ArrayBuffer.isView(plane) ? `length ${plane.length}` : plane);
    }
  });
  const channels = planes.length;
  const out = new Float32Array(n * channels);
  for (let c = 0; c < channels; c++) {
    const plane = planes[c]!;
    for (let p = 0, i = c; p < n; p++, i += channels) out[i] = plane[p]!;
  }
  return out;
}

/**
 * A grey crop (Rec. 601 luma for RGB) of `size`×`size` pixels at (x0, y0):
 * how grey priors are validated and benchmarked on colour or grey images.
 */
export function greyCrop(image: Pick<RasterImage, 'width' | 'data'> & { channels: number }, x0: number, y0: number, size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = ((y0 + y) * image.width + x0 + x) * image.channels;
      out[y * size + x] =
        image.channels >= 3 ? 0.299 * image.data[p]! + 0.587 * image.data[p + 1]! + 0.114 * image.data[p + 2]! : image.data[p]!;
    }
  }
  return out;
}
