/**
 * Evaluates a prior tile by tile, so that one solver step on a large photo
 * keeps memory bounded, reports progress and can be cancelled between tiles.
 *
 * The result is exactly the untiled one: ∇ₓR at a pixel depends only on the
 * pixels within the receptive radius of K_1ᵀ…K_Lᵀ K_L…K_1, i.e. 2·Σ_l ⌊k_l/2⌋,
 * so each tile is evaluated with that many pixels of context (the halo) and
 * only its interior is kept. Where a tile meets the image border the halo is
 * the same symmetric padding the untiled operator uses. Energy and ∂ₜR are
 * summed over each tile's interior only (FoE `region`), counting every
 * position once.
 */
import type { EvaluateRequest, EvaluateResult, FoEArchitecture, FoEPrior, Region } from '../prior/foe.js';
import type { Shape4 } from '../prior/conv.js';
import { checkInteger, throwIfAborted } from '../util/errors.js';

/** What the solvers need from a prior. FoEPrior and TiledPrior both are one. */
export interface PriorField {
  readonly tRange: { tMin: number; tMax: number };
  evaluate(x: Float32Array, shape: Shape4, t: ArrayLike<number>, want: EvaluateRequest): EvaluateResult;
}

export interface TilingOptions {
  /** Interior side of a tile in pixels (the halo comes on top); default tileFor(arch). */
  tile?: number;
  /** Checked before every tile. */
  signal?: AbortSignal;
  /** Called after every tile of every evaluation. */
  onTile?: (done: number, total: number) => void;
}

export const DEFAULT_TILE = 384;

/**
 * A tile side that keeps one tile's work near that of a DEFAULT_TILE² tile of
 * a 1-layer, 48-filter 7×7 prior (well under a second on one wasm thread), so
 * progress and cancellation stay prompt for deeper models too.
 */
export function tileFor(arch: FoEArchitecture): number {
  const reference = 2 * 7 * 7 * 48;
  let cost = 0;
  arch.layers.forEach((layer, l) => {
    const cin = l === 0 ? arch.inChannels : arch.layers[l - 1]!.features;
    cost += 2 * layer.kernelSize * layer.kernelSize * cin * layer.features;
  });
  const side = DEFAULT_TILE * Math.sqrt(reference / cost);
  return Math.max(64, Math.min(1024, Math.round(side / 16) * 16));
}

/** Pixels of context a tile needs for an exact ∇ₓR. */
export function receptiveHalo(prior: FoEPrior): number {
  return 2 * prior.arch.layers.reduce((sum, layer) => sum + Math.floor(layer.kernelSize / 2), 0);
}

export function tileGrid(h: number, w: number, tile: number): Region[] {
  const tiles: Region[] = [];
  for (let top = 0; top < h; top += tile) {
    for (let left = 0; left < w; left += tile) {
      tiles.push({ top, left, height: Math.min(tile, h - top), width: Math.min(tile, w - left) });
    }
  }
  return tiles;
}

export class TiledPrior implements PriorField {
  readonly prior: FoEPrior;
  readonly tile: number;
  readonly halo: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onTile: ((done: number, total: number) => void) | undefined;

  constructor(prior: FoEPrior, options: TilingOptions = {}) {
    this.prior = prior;
    this.tile = checkInteger('tile size', options.tile ?? tileFor(prior.arch), 16, 1 << 14);
    this.halo = receptiveHalo(prior);
    this.#signal = options.signal;
    this.#onTile = options.onTile;
  }

  get tRange(): { tMin: number; tMax: number } {
    return this.prior.tRange;
  }

  /** Tiles one evaluation of an h×w image takes. */
  tilesFor(h: number, w: number): number {
    return tileGrid(h, w, this.tile).length;
  }

  evaluate(x: Float32Array, shape: Shape4, t: ArrayLike<number>, want: EvaluateRequest): EvaluateResult {
    const tiles = tileGrid(shape.h, shape.w, this.tile);
    if (tiles.length === 1) {
      throwIfAborted(this.#signal, 'prior evaluation');
      const result = this.prior.evaluate(x, shape, t, want);
      this.#onTile?.(1, 1);
      return result;
    }
    const out: EvaluateResult = {};
    if (want.gradX) out.gradX = new Float32Array(x.length);
    if (want.energy) out.energy = new Float64Array(shape.n);
    if (want.gradT) out.gradT = new Float64Array(shape.n);
    const { n, h, w, c } = shape;
    // One sample of one tile at a time: a colour photo's three planes would
    // triple the tile's feature maps (and the backend's memory) if batched.
    tiles.forEach((inner, index) => {
      const top = Math.max(0, inner.top - this.halo);
      const left = Math.max(0, inner.left - this.halo);
      const bottom = Math.min(h, inner.top + inner.height + this.halo);
      const right = Math.min(w, inner.left + inner.width + this.halo);
      const sub: Shape4 = { n: 1, h: bottom - top, w: right - left, c };
      const region: Region = { top: inner.top - top, left: inner.left - left, height: inner.height, width: inner.width };
      const patch = new Float32Array(sub.h * sub.w * c);
      for (let b = 0; b < n; b++) {
        throwIfAborted(this.#signal, 'prior evaluation');
        for (let y = 0; y < sub.h; y++) {
          const from = ((b * h + top + y) * w + left) * c;
          patch.set(x.subarray(from, from + sub.w * c), y * sub.w * c);
        }
        const part = this.prior.evaluate(patch, sub, [t[b]!], { ...want, region });
        if (part.gradX) {
          for (let y = 0; y < inner.height; y++) {
            const from = ((region.top + y) * sub.w + region.left) * c;
            const to = ((b * h + inner.top + y) * w + inner.left) * c;
            out.gradX!.set(part.gradX.subarray(from, from + inner.width * c), to);
          }
        }
        if (part.energy) out.energy![b]! += part.energy[0]!;
        if (part.gradT) out.gradT![b]! += part.gradT[0]!;
      }
      this.#onTile?.(index + 1, tiles.length);
    });
    return out;
  }
}
