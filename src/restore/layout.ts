/**
 * Moves images between the user's layout (H×W×C, RGB or grey) and the
 * solver's (samples × H × W × prior channels). A grey prior restores colour
 * photos plane by plane in the orthonormal opponent space, where Gaussian
 * noise stays i.i.d. with the same σ and PSNR is unchanged.
 */
import type { Shape4 } from '../prior/conv.js';
import { GncError } from '../util/errors.js';
import { psnr } from '../image/metrics.js';

/**
 * What the layout needs of an image (RasterImage fits it). Spelled out rather
 * than picked from image/types.ts so the page can use this file too: the
 * WebGPU preview maps its result back with fromSolver.
 */
type RasterImage = { width: number; height: number; channels: number; data: Float32Array };

// The orthonormal opponent transform of image/colour.ts (rgbToOpponent).
const S3 = Math.sqrt(3);
const S2 = Math.sqrt(2);
const S6 = Math.sqrt(6);

export interface SolverLayout {
  shape: Shape4;
  /** How the samples map back: 'direct' (the prior takes the image's channels) or 'opponent-planes'. */
  mode: 'direct' | 'opponent-planes';
}

export function layoutFor(image: Pick<RasterImage, 'width' | 'height' | 'channels'>, priorChannels: number): SolverLayout {
  const { width: w, height: h, channels } = image;
  if (channels === priorChannels) return { shape: { n: 1, h, w, c: channels }, mode: 'direct' };
  if (channels === 3 && priorChannels === 1) return { shape: { n: 3, h, w, c: 1 }, mode: 'opponent-planes' };
  throw new GncError('invalid-argument', `A prior for ${priorChannels}-channel images cannot restore a ${channels}-channel image`);
}

/**
 * Image → solver layout. For 'opponent-planes' the RGB → opponent transform
 * and the split into planes happen in one pass into one array (on a 24 MP
 * photo each extra full-size copy is 288 MB).
 */
export function toSolver(data: Float32Array, image: Pick<RasterImage, 'width' | 'height' | 'channels'>, layout: SolverLayout): Float32Array {
  if (layout.mode === 'direct') return data;
  const n = image.width * image.height;
  if (data.length !== 3 * n) throw new GncError('invalid-argument', `Expected ${image.width}×${image.height}×3 = ${3 * n} values but received ${data.length}`);
  const out = new Float32Array(3 * n);
  for (let p = 0, i = 0; p < n; p++, i += 3) {
    const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
    out[p] = (r + g + b) / S3;
    out[n + p] = (r - b) / S2;
    out[2 * n + p] = (r - 2 * g + b) / S6;
  }
  return out;
}

/**
 * Solver layout → image (interleaved RGB from opponent planes in one pass),
 * into `out` when given (a spent full-size buffer, such as the noisy planes
 * after the solve; never x itself).
 */
export function fromSolver(x: Float32Array, image: Pick<RasterImage, 'width' | 'height' | 'channels'>, layout: SolverLayout, out?: Float32Array): Float32Array {
  if (layout.mode === 'direct') return x;
  const n = image.width * image.height;
  if (out && (out.length !== 3 * n || out.buffer === x.buffer)) {
    throw new GncError('invalid-argument', `fromSolver: the output buffer must hold ${3 * n} values apart from x; it holds ${out.length}${out.buffer === x.buffer ? ' and shares x\'s memory' : ''}`);
  }
  out ??= new Float32Array(3 * n);
  for (let p = 0, i = 0; p < n; p++, i += 3) {
    const y = x[p]! / S3, c1 = x[n + p]! / S2, c2 = x[2 * n + p]! / S6;
    out[i] = y + c1 + c2;
    out[i + 1] = y - 2 * c2;
    out[i + 2] = y - c1 + c2;
  }
  return out;
}

/**
 * PSNR of an iterate in the solver's layout against a clean image in the
 * image's layout, without holding the clean image a second time in the
 * solver's layout (288 MB for a 24 MP colour photo): the same number as
 * psnr(x, toSolver(reference)), as the opponent values are formed the same
 * way (rounded to float32) and summed in the same order.
 */
export function solverPsnr(reference: Float32Array, image: Pick<RasterImage, 'width' | 'height' | 'channels'>, layout: SolverLayout): (x: Float32Array) => number {
  if (layout.mode === 'direct') return (x) => psnr(x, reference);
  const n = image.width * image.height;
  if (reference.length !== 3 * n) throw new GncError('invalid-argument', `Expected a reference of ${image.width}×${image.height}×3 = ${3 * n} values but received ${reference.length}`);
  const f = Math.fround;
  const planes: Array<(r: number, g: number, b: number) => number> = [
    (r, g, b) => f((r + g + b) / S3),
    (r, _g, b) => f((r - b) / S2),
    (r, g, b) => f((r - 2 * g + b) / S6),
  ];
  return (x) => {
    if (x.length !== 3 * n) throw new GncError('invalid-argument', `Expected ${3 * n} values in the solver's layout but received ${x.length}`);
    let sum = 0;
    for (let k = 0; k < 3; k++) {
      const opponent = planes[k]!;
      for (let p = 0, i = 0; p < n; p++, i += 3) {
        const d = x[k * n + p]! - opponent(reference[i]!, reference[i + 1]!, reference[i + 2]!);
        sum += d * d;
      }
    }
    const e = sum / (3 * n);
    return e === 0 ? Infinity : 10 * Math.log10(1 / e);
  };
}

/** Expands a per-pixel mask (H·W) to the solver layout. */
export function maskToSolver(mask: Float32Array, layout: SolverLayout): Float32Array {
  const { n, h, w, c } = layout.shape;
  if (mask.length !== h * w) {
    throw new GncError('invalid-mask', `The mask has ${mask.length} pixels but the image has ${w}×${h} = ${w * h}`);
  }
  const out = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) out[(b * h * w + p) * c + k] = mask[p]!;
  }
  return out;
}
