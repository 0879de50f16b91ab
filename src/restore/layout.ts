/**
 * Moves images between the user's layout (H×W×C, RGB or grey) and the
 * solver's (samples × H × W × prior channels). A grey prior restores colour
 * photos plane by plane in the orthonormal opponent space, where Gaussian
 * noise stays i.i.d. with the same σ and PSNR is unchanged.
 */
import { fromPlanes, opponentToRgb, rgbToOpponent, toPlanes } from '../image/colour.js';
import type { RasterImage } from '../image/types.js';
import type { Shape4 } from '../prior/conv.js';
import { GncError } from '../util/errors.js';

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

export function toSolver(data: Float32Array, image: Pick<RasterImage, 'width' | 'height' | 'channels'>, layout: SolverLayout): Float32Array {
  if (layout.mode === 'direct') return data;
  const planes = toPlanes({ width: image.width, height: image.height, channels: 3, data: rgbToOpponent(data) });
  const out = new Float32Array(data.length);
  planes.forEach((p, i) => out.set(p, i * p.length));
  return out;
}

export function fromSolver(x: Float32Array, image: Pick<RasterImage, 'width' | 'height' | 'channels'>, layout: SolverLayout): Float32Array {
  if (layout.mode === 'direct') return x;
  const n = image.width * image.height;
  const planes = [0, 1, 2].map((i) => x.subarray(i * n, (i + 1) * n));
  return opponentToRgb(fromPlanes(planes, image.width, image.height));
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
