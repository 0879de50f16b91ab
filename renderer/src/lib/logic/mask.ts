/**
 * The inpainting mask as plain data: one byte per image pixel, 0 = keep,
 * 255 = fill in (a non-zero pixel means "fill in", design.md). Painting,
 * erasing, undo/redo, clear and invert live here without any DOM, so they are
 * tested directly; the MaskPainter component only turns pointer events into
 * calls and redraws the dirty rectangles this model reports.
 *
 * Undo keeps patches, never copies of the whole mask: a stroke saves the
 * original bytes of each 64×64 tile it touches (the first time it touches it)
 * and, when it ends, the tiles' new bytes for redo. Invert is its own inverse
 * and stores nothing; clear saves only the bounding box of what was painted.
 */

export interface Rect {
  /** Inclusive left/top, exclusive right/bottom, in image pixels. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export type BrushMode = 'paint' | 'erase';

export interface Brush {
  /** Diameter in image pixels (1..MAX_BRUSH_SIZE). */
  size: number;
  /** 0 = soft edge over the whole radius, 1 = hard edge. */
  hardness: number;
  mode: BrushMode;
}

export const MIN_BRUSH_SIZE = 1;
export const MAX_BRUSH_SIZE = 1000;
export const TILE = 64;
/** Undo history keeps at most this many bytes of patches (oldest dropped first). */
export const DEFAULT_HISTORY_BYTES = 256 * 1024 * 1024;

interface TilePatch {
  /** Tile rectangle. */
  x0: number;
  y0: number;
  w: number;
  h: number;
  before: Uint8Array;
  after: Uint8Array;
}

type Edit =
  | { kind: 'patch'; tiles: TilePatch[]; bytes: number }
  | { kind: 'invert'; bytes: number };

export function unionRect(a: Rect | null, b: Rect | null): Rect | null {
  if (!a) return b;
  if (!b) return a;
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

export function clampBrush(brush: Brush): Brush {
  const size = Number.isFinite(brush.size) ? Math.min(MAX_BRUSH_SIZE, Math.max(MIN_BRUSH_SIZE, brush.size)) : 32;
  const hardness = Number.isFinite(brush.hardness) ? Math.min(1, Math.max(0, brush.hardness)) : 0.8;
  return { size, hardness, mode: brush.mode === 'erase' ? 'erase' : 'paint' };
}

/**
 * Brush coverage (0..255) at distance `d` from the centre for a brush of
 * radius `r` and hardness `h`: full inside h·r, then a smooth fall to 0 at r.
 */
export function brushAlpha(d: number, r: number, h: number): number {
  if (d >= r) return 0;
  const inner = r * h;
  if (d <= inner) return 255;
  const t = (d - inner) / (r - inner);
  const s = 1 - t * t * (3 - 2 * t); // smoothstep falloff
  return Math.round(255 * s);
}

export class MaskModel {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  brush: Brush = { size: 40, hardness: 0.8, mode: 'paint' };

  readonly #undo: Edit[] = [];
  readonly #redo: Edit[] = [];
  readonly #historyBytes: number;
  #dirty: Rect | null = null;
  /** Original bytes of tiles touched by the stroke in progress, keyed by tile index. */
  #stroke: Map<number, TilePatch> | null = null;
  #last: { x: number; y: number } | null = null;
  /** Distance walked along the stroke since the last stamp. */
  #carry = 0;
  #version = 0;

  constructor(width: number, height: number, options: { historyBytes?: number } = {}) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`MaskModel: expected a positive integer width and height but received ${width}×${height}`);
    }
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height);
    this.#historyBytes = options.historyBytes ?? DEFAULT_HISTORY_BYTES;
  }

  /** Increases on every change; lets views know when to refresh. */
  get version(): number {
    return this.#version;
  }
  get canUndo(): boolean {
    return this.#undo.length > 0 && !this.#stroke;
  }
  get canRedo(): boolean {
    return this.#redo.length > 0 && !this.#stroke;
  }
  get painting(): boolean {
    return this.#stroke !== null;
  }
  /** Bytes held by the undo and redo history. */
  get historyBytes(): number {
    let n = 0;
    for (const e of this.#undo) n += e.bytes;
    for (const e of this.#redo) n += e.bytes;
    return n;
  }

  /** The area changed since the last call (null when nothing changed); resets it. */
  takeDirty(): Rect | null {
    const d = this.#dirty;
    this.#dirty = null;
    return d;
  }

  #markDirty(r: Rect): void {
    this.#dirty = unionRect(this.#dirty, r);
    this.#version++;
  }

  /** Fraction of pixels marked "fill in". */
  coverage(): number {
    let n = 0;
    for (let i = 0; i < this.data.length; i++) if (this.data[i]! > 0) n++;
    return n / this.data.length;
  }

  isEmpty(): boolean {
    for (let i = 0; i < this.data.length; i++) if (this.data[i] !== 0) return false;
    return true;
  }

  // ---- strokes -------------------------------------------------------------

  beginStroke(x: number, y: number): void {
    if (this.#stroke) this.endStroke();
    this.brush = clampBrush(this.brush);
    this.#stroke = new Map();
    this.#last = { x, y };
    this.#carry = 0;
    this.#stamp(x, y);
  }

  /** Continues the stroke with a straight segment to (x, y), stamping at even spacing. */
  strokeTo(x: number, y: number): void {
    if (!this.#stroke || !this.#last) {
      this.beginStroke(x, y);
      return;
    }
    const { x: px, y: py } = this.#last;
    const dx = x - px;
    const dy = y - py;
    const len = Math.hypot(dx, dy);
    const spacing = Math.max(1, this.brush.size * 0.15);
    let along = spacing - this.#carry;
    while (along <= len) {
      const t = along / len;
      this.#stamp(px + dx * t, py + dy * t);
      along += spacing;
    }
    this.#carry = len - (along - spacing);
    // Stamps combine by maximum, so an extra one at the pointer itself costs
    // nothing in looks and keeps the brush exactly under the cursor.
    if (this.#carry > 0) this.#stamp(x, y);
    this.#last = { x, y };
  }

  /** Ends the stroke and records it for undo (nothing recorded if no pixel changed). */
  endStroke(): void {
    const stroke = this.#stroke;
    this.#stroke = null;
    this.#last = null;
    if (!stroke) return;
    const tiles: TilePatch[] = [];
    let bytes = 0;
    for (const t of stroke.values()) {
      t.after = this.#read(t.x0, t.y0, t.w, t.h);
      if (!equalBytes(t.before, t.after)) {
        tiles.push(t);
        bytes += t.before.length * 2;
      }
    }
    if (tiles.length) this.#push({ kind: 'patch', tiles, bytes });
  }

  #stamp(cx: number, cy: number): void {
    const r = this.brush.size / 2;
    const x0 = Math.max(0, Math.floor(cx - r));
    const y0 = Math.max(0, Math.floor(cy - r));
    const x1 = Math.min(this.width, Math.ceil(cx + r));
    const y1 = Math.min(this.height, Math.ceil(cy + r));
    if (x0 >= x1 || y0 >= y1) return;
    this.#saveTiles(x0, y0, x1, y1);
    const h = this.brush.hardness;
    const erase = this.brush.mode === 'erase';
    const data = this.data;
    const w = this.width;
    for (let y = y0; y < y1; y++) {
      const dy = y + 0.5 - cy;
      const row = y * w;
      for (let x = x0; x < x1; x++) {
        const a = brushAlpha(Math.hypot(x + 0.5 - cx, dy), r, h);
        if (a === 0) continue;
        const i = row + x;
        if (erase) {
          const v = 255 - a;
          if (data[i]! > v) data[i] = v;
        } else if (data[i]! < a) {
          data[i] = a;
        }
      }
    }
    this.#markDirty({ x0, y0, x1, y1 });
  }

  #saveTiles(x0: number, y0: number, x1: number, y1: number): void {
    const stroke = this.#stroke!;
    const cols = Math.ceil(this.width / TILE);
    for (let ty = Math.floor(y0 / TILE); ty <= Math.floor((y1 - 1) / TILE); ty++) {
      for (let tx = Math.floor(x0 / TILE); tx <= Math.floor((x1 - 1) / TILE); tx++) {
        const key = ty * cols + tx;
        if (stroke.has(key)) continue;
        const tx0 = tx * TILE;
        const ty0 = ty * TILE;
        const tw = Math.min(TILE, this.width - tx0);
        const th = Math.min(TILE, this.height - ty0);
        stroke.set(key, { x0: tx0, y0: ty0, w: tw, h: th, before: this.#read(tx0, ty0, tw, th), after: new Uint8Array(0) });
      }
    }
  }

  #read(x0: number, y0: number, w: number, h: number): Uint8Array {
    const out = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) out.set(this.data.subarray((y0 + y) * this.width + x0, (y0 + y) * this.width + x0 + w), y * w);
    return out;
  }

  #write(x0: number, y0: number, w: number, h: number, bytes: Uint8Array): void {
    for (let y = 0; y < h; y++) this.data.set(bytes.subarray(y * w, y * w + w), (y0 + y) * this.width + x0);
    this.#markDirty({ x0, y0, x1: x0 + w, y1: y0 + h });
  }

  // ---- whole-mask edits ----------------------------------------------------

  /** Sets every pixel to 0; undoable. */
  clear(): void {
    this.endStroke();
    const box = this.#bounds();
    if (!box) return;
    this.#replaceRect(box, () => 0);
  }

  /** Swaps "fill in" and "keep"; undoable. */
  invert(): void {
    this.endStroke();
    this.#invertAll();
    this.#push({ kind: 'invert', bytes: 0 });
  }

  /**
   * Replaces the whole mask (e.g. an imported PNG: any non-zero value is
   * "fill in" at that strength); undoable.
   */
  load(values: Uint8Array): void {
    if (values.length !== this.data.length) {
      throw new RangeError(`MaskModel.load: expected ${this.data.length} values (${this.width}×${this.height}) but received ${values.length}`);
    }
    this.endStroke();
    this.#replaceRect({ x0: 0, y0: 0, x1: this.width, y1: this.height }, (i) => values[i]!);
  }

  #replaceRect(box: Rect, value: (index: number) => number): void {
    const w = box.x1 - box.x0;
    const h = box.y1 - box.y0;
    const before = this.#read(box.x0, box.y0, w, h);
    for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) this.data[y * this.width + x] = value(y * this.width + x);
    const after = this.#read(box.x0, box.y0, w, h);
    this.#markDirty(box);
    if (!equalBytes(before, after)) this.#push({ kind: 'patch', tiles: [{ x0: box.x0, y0: box.y0, w, h, before, after }], bytes: before.length * 2 });
  }

  #invertAll(): void {
    for (let i = 0; i < this.data.length; i++) this.data[i] = 255 - this.data[i]!;
    this.#markDirty({ x0: 0, y0: 0, x1: this.width, y1: this.height });
  }

  #bounds(): Rect | null {
    let x0 = this.width;
    let y0 = this.height;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < this.height; y++) {
      const row = y * this.width;
      for (let x = 0; x < this.width; x++) {
        if (this.data[row + x] !== 0) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          y1 = y;
        }
      }
    }
    return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
  }

  // ---- history ---------------------------------------------------------------

  #push(edit: Edit): void {
    this.#undo.push(edit);
    this.#redo.length = 0;
    let total = this.historyBytes;
    while (total > this.#historyBytes && this.#undo.length > 1) total -= this.#undo.shift()!.bytes;
  }

  undo(): boolean {
    this.endStroke();
    const edit = this.#undo.pop();
    if (!edit) return false;
    this.#apply(edit, 'before');
    this.#redo.push(edit);
    return true;
  }

  redo(): boolean {
    this.endStroke();
    const edit = this.#redo.pop();
    if (!edit) return false;
    this.#apply(edit, 'after');
    this.#undo.push(edit);
    return true;
  }

  #apply(edit: Edit, side: 'before' | 'after'): void {
    if (edit.kind === 'invert') this.#invertAll();
    else for (const t of edit.tiles) this.#write(t.x0, t.y0, t.w, t.h, t[side]);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * RGBA pixels for the mask overlay inside `rect`: the mask value becomes the
 * alpha of a tint (so "fill in" areas show as a translucent colour).
 */
export function overlayPixels(mask: MaskModel, rect: Rect, tint: [number, number, number], opacity = 0.55): Uint8ClampedArray {
  const w = rect.x1 - rect.x0;
  const h = rect.y1 - rect.y0;
  const out = new Uint8ClampedArray(w * h * 4);
  const [r, g, b] = tint;
  for (let y = 0; y < h; y++) {
    const src = (rect.y0 + y) * mask.width + rect.x0;
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = mask.data[src + x]! * opacity;
    }
  }
  return out;
}

/**
 * Grey mask values from RGBA pixels of an imported mask image: luminance,
 * but a transparent pixel counts as "keep". Any non-zero result is "fill in".
 */
export function maskFromRgba(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Uint8Array {
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`maskFromRgba: expected ${width * height * 4} bytes for ${width}×${height} RGBA but received ${rgba.length}`);
  }
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const o = i * 4;
    const luma = 0.299 * rgba[o]! + 0.587 * rgba[o + 1]! + 0.114 * rgba[o + 2]!;
    out[i] = Math.round((luma * rgba[o + 3]!) / 255);
  }
  return out;
}

/** RGBA pixels of the mask for export as a PNG: white = fill in, black = keep, opaque. */
export function rgbaFromMask(mask: Uint8Array): Uint8ClampedArray {
  const out = new Uint8ClampedArray(mask.length * 4);
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i]!;
    out[i * 4] = v;
    out[i * 4 + 1] = v;
    out[i * 4 + 2] = v;
    out[i * 4 + 3] = 255;
  }
  return out;
}
