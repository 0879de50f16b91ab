/**
 * The FoE prior evaluated by onnxruntime-node: a PriorField the solvers use
 * in place of FoEPrior/TiledPrior, with the same results within float
 * tolerance (tests/onnx) and several times the speed of tfjs-wasm.
 *
 * ∇ₓR and R run in ONNX graphs (foe-graph.ts) in a worker thread behind a
 * synchronous call (sync-worker.ts); the σ-dependent spline tables are
 * computed here per evaluation and fed as inputs, so one session serves every
 * σ. Images are evaluated tile by tile with the receptive halo, exactly as
 * TiledPrior does, one sample (colour plane) of one tile per run, so
 * onnxruntime's memory is bounded by the tile, not the photo (about 300 MB
 * for grey-l1-dsm's 384² tiles), and progress and cancellation stay prompt.
 * ∂ₜR (joint
 * optimisation) is in the graph too, by forward propagation along t. Tiles
 * too small for the graph's border folding go to the tfjs FoEPrior.
 */
import { availableParallelism } from 'node:os';
import { FoEPrior, type EvaluateRequest, type EvaluateResult, type FoEArchitecture, type FoEParameters, type Region } from '../prior/foe.js';
import type { Shape4 } from '../prior/conv.js';
import { tileFor, tileGrid, type PriorField } from '../solve/tiled-prior.js';
import { GncError, checkInteger, throwIfAborted } from '../util/errors.js';
import { buildFoEGraph, INPUT_X, OUTPUT_ENERGY, OUTPUT_GRAD, OUTPUT_GRAD_T, splineInput, type AdjointForm } from './foe-graph.js';
import { TABLE_ROWS, splineTables } from './spline-tables.js';
import { sharedOrtWorker, type FeedTensor, type OrtRuntimeInfo, type SyncOrtWorker } from './sync-worker.js';
import { ortInstalled } from './ort.js';

export interface OnnxPriorOptions {
  /** Interior side of a tile in pixels (default tileFor(arch)). */
  tile?: number;
  signal?: AbortSignal;
  onTile?: (done: number, total: number) => void;
  /** ORT intra-op threads (default: the machine's cores). */
  threads?: number;
  adjoint?: AdjointForm;
  /** Planes of at least this many pixels keep one session at a time (default ONE_SESSION_PIXELS). */
  oneSessionPixels?: number;
}

export interface OnnxPriorInfo extends OrtRuntimeInfo {
  engine: 'onnxruntime-node';
  adjoint: AdjointForm;
}

/** Which outputs a session computes: any non-empty combination of g(radX), e(nergy), t (∂ₜR). */
type SessionKind = string;
const kindOf = (want: EvaluateRequest): SessionKind => `${want.gradX ? 'g' : ''}${want.energy ? 'e' : ''}${want.gradT ? 't' : ''}`;
let instances = 0;

/**
 * From planes of this many pixels on, one session is kept at a time: each
 * session has its own memory arena (about 300 MB for grey-l1-dsm's 384²
 * tiles), so the energy trace's session beside the gradient's would add that
 * again to a large photo's peak. Reloading one takes tens of milliseconds,
 * next to seconds for one evaluation of such a plane; smaller images (the
 * app's previews) keep every session.
 */
export const ONE_SESSION_PIXELS = 4_000_000;

export class OnnxPrior implements PriorField {
  readonly arch: FoEArchitecture;
  readonly params: FoEParameters;
  readonly tile: number;
  readonly halo: number;
  readonly info: OnnxPriorInfo;
  /** Milliseconds ORT spent in the last evaluation (all tiles). */
  lastRunMs = 0;
  readonly #options: OnnxPriorOptions;
  readonly #worker: SyncOrtWorker;
  readonly #loaded = new Set<SessionKind>();
  readonly #id = ++instances;
  #disposed = false;
  readonly #maxPad: number;
  #tfjs: FoEPrior | undefined;
  #tables: { key: string; tables: Float32Array[][] } | undefined;

  constructor(arch: FoEArchitecture, params: FoEParameters, options: OnnxPriorOptions = {}) {
    const installed = ortInstalled();
    if (!installed.ok) throw new GncError('backend', `The onnx inference path is not available: ${installed.reason}`);
    // Validates the architecture and parameters exactly as the tfjs path does.
    this.#tfjs = new FoEPrior(arch, params);
    this.arch = arch;
    this.params = params;
    this.#options = options;
    this.tile = checkInteger('tile size', options.tile ?? tileFor(arch), 16, 1 << 14);
    this.halo = 2 * arch.layers.reduce((sum, layer) => sum + Math.floor(layer.kernelSize / 2), 0);
    this.#maxPad = Math.max(...arch.layers.map((layer) => Math.floor(layer.kernelSize / 2)));
    const threads = checkInteger('onnx threads', options.threads ?? availableParallelism(), 1, 1024);
    this.#worker = sharedOrtWorker();
    try {
      const info = this.#load('g', threads);
      this.info = { ...info, engine: 'onnxruntime-node', adjoint: options.adjoint ?? 'mixed' };
    } catch (err) {
      this.#tfjs.dispose();
      throw err;
    }
  }

  /** Sessions loaded now (one per combination of outputs asked for). */
  get sessions(): number {
    return this.#loaded.size;
  }

  get tRange(): { tMin: number; tMax: number } {
    const g = this.arch.layers[this.arch.layers.length - 1]!.spline;
    return { tMin: g.tMin, tMax: g.tMax };
  }

  #load(kind: SessionKind, threads = this.info.threads): OrtRuntimeInfo {
    const model = buildFoEGraph(this.arch, this.params, {
      gradX: kind.includes('g'),
      energy: kind.includes('e'),
      gradT: kind.includes('t'),
      ...(this.#options.adjoint ? { adjoint: this.#options.adjoint } : {}),
    });
    const info = this.#worker.load(this.#key(kind), model, { threads });
    this.#loaded.add(kind);
    return info;
  }

  #key(kind: SessionKind): string {
    return `${this.#id}:${kind}`;
  }

  /** Per sample, per layer: the spline tables at that sample's t (each its own buffer, as posted to the worker). */
  #tablesFor(t: ArrayLike<number>): Float32Array[][] {
    const key = Array.from(t).join(',');
    if (this.#tables?.key !== key) this.#tables = { key, tables: Array.from(t, (tb) => splineTables(this.arch, this.params, [tb])) };
    return this.#tables.tables;
  }

  #tfjsPrior(): FoEPrior {
    this.#tfjs ??= new FoEPrior(this.arch, this.params);
    return this.#tfjs;
  }

  evaluate(x: Float32Array, shape: Shape4, t: ArrayLike<number>, want: EvaluateRequest): EvaluateResult {
    if (shape.c !== this.arch.inChannels) {
      throw new GncError('invalid-argument', `FoE: image has ${shape.c} channels but the prior expects ${this.arch.inChannels}`);
    }
    if (x.length !== shape.n * shape.h * shape.w * shape.c) {
      throw new GncError('invalid-argument', `FoE: expected ${shape.n * shape.h * shape.w * shape.c} values for ${JSON.stringify(shape)} but received ${x.length}`);
    }
    if (t.length !== shape.n) throw new GncError('invalid-argument', `FoE: expected one t per sample (${shape.n}) but received ${t.length}`);
    if (this.#disposed) throw new GncError('backend', 'This onnx prior is closed');
    const kind = kindOf(want);
    if (!kind) return {};
    if (shape.h * shape.w >= (this.#options.oneSessionPixels ?? ONE_SESSION_PIXELS)) {
      for (const other of this.#loaded) {
        if (other === kind) continue;
        this.#worker.release(this.#key(other));
        this.#loaded.delete(other);
      }
    }
    if (!this.#loaded.has(kind)) this.#load(kind);
    const tables = this.#tablesFor(t);
    const { n, h, w, c } = shape;
    const out: EvaluateResult = {};
    if (want.energy) out.energy = new Float64Array(n);
    if (want.gradT) out.gradT = new Float64Array(n);
    const region = want.region ?? { top: 0, left: 0, height: h, width: w };
    const tiles = tileGrid(h, w, this.tile);
    // A single-sample image within one tile runs as is, its gradient returned as computed.
    const whole = tiles.length === 1 && n === 1;
    if (want.gradX && !whole) out.gradX = new Float32Array(x.length);
    this.lastRunMs = 0;
    // One sample of one tile per run: the graph's feature maps (F floats per
    // pixel, many of them live at once) scale with the batch, so a colour
    // photo's three planes batched would triple onnxruntime's memory.
    tiles.forEach((inner, index) => {
      const top = Math.max(0, inner.top - this.halo);
      const left = Math.max(0, inner.left - this.halo);
      const sub: Shape4 = { n: 1, h: Math.min(h, inner.top + inner.height + this.halo) - top, w: Math.min(w, inner.left + inner.width + this.halo) - left, c };
      const local: Region = { top: inner.top - top, left: inner.left - left, height: inner.height, width: inner.width };
      // Count each position's energy once: in its tile's interior, and only inside the requested region.
      const sumRegion = intersect(local, { top: region.top - top, left: region.left - left, height: region.height, width: region.width });
      const graphFits = sub.h > 2 * this.#maxPad && sub.w > 2 * this.#maxPad;
      const patch = whole ? x : new Float32Array(sub.h * sub.w * c);
      for (let b = 0; b < n; b++) {
        throwIfAborted(this.#options.signal, 'prior evaluation');
        if (!whole) extract(x, shape, b, top, left, sub, patch);
        const part = graphFits
          ? this.#run(kind, patch, sub, tables[b]!, sumRegion)
          : this.#tfjsPrior().evaluate(patch, sub, [t[b]!], {
              gradX: !!want.gradX,
              energy: !!want.energy && !!sumRegion,
              gradT: !!want.gradT && !!sumRegion,
              region: sumRegion ?? local,
            });
        if (part.gradX) {
          if (whole) out.gradX = part.gradX;
          else {
            for (let y = 0; y < inner.height; y++) {
              const from = ((local.top + y) * sub.w + local.left) * c;
              out.gradX!.set(part.gradX.subarray(from, from + inner.width * c), ((b * h + inner.top + y) * w + inner.left) * c);
            }
          }
        }
        if (part.energy) out.energy![b]! += part.energy[0]!;
        if (part.gradT) out.gradT![b]! += part.gradT[0]!;
      }
      this.#options.onTile?.(index + 1, tiles.length);
    });
    return out;
  }

  #run(kind: SessionKind, x: Float32Array, s: Shape4, tables: Float32Array[], region: Region | undefined): EvaluateResult {
    const feeds: FeedTensor[] = [{ name: INPUT_X, dims: [s.n, s.c, s.h, s.w], data: s.c === 1 ? ownBuffer(x) : nhwcToNchw(x, s) }];
    this.arch.layers.forEach((layer, l) =>
      feeds.push({ name: splineInput(l), dims: [s.n, layer.features, TABLE_ROWS, layer.spline.nz], data: tables[l]! }),
    );
    const fetches = [...(kind.includes('g') ? [OUTPUT_GRAD] : []), ...(kind.includes('e') ? [OUTPUT_ENERGY] : []), ...(kind.includes('t') ? [OUTPUT_GRAD_T] : [])];
    const { outputs, ms } = this.#worker.run(this.#key(kind), feeds, fetches);
    this.lastRunMs += ms;
    const result: EvaluateResult = {};
    if (outputs[OUTPUT_GRAD]) result.gradX = s.c === 1 ? outputs[OUTPUT_GRAD].data : nchwToNhwc(outputs[OUTPUT_GRAD].data, s);
    if (outputs[OUTPUT_ENERGY]) result.energy = sumMap(outputs[OUTPUT_ENERGY].data, s, region);
    if (outputs[OUTPUT_GRAD_T]) result.gradT = sumMap(outputs[OUTPUT_GRAD_T].data, s, region);
    return result;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const kind of this.#loaded) {
      try {
        if (this.#worker.alive) this.#worker.release(this.#key(kind));
      } catch {
        // A dead worker holds no sessions; nothing to release.
      }
    }
    this.#loaded.clear();
    this.#tfjs?.dispose();
    this.#tfjs = undefined;
  }
}

/** Per-sample sums of an [n, h·w] map over a region (zero when there is none). */
function sumMap(map: Float32Array, s: Shape4, region: Region | undefined): Float64Array {
  const out = new Float64Array(s.n);
  if (!region) return out;
  for (let b = 0; b < s.n; b++) {
    let sum = 0;
    for (let y = region.top; y < region.top + region.height; y++) {
      const row = (b * s.h + y) * s.w;
      for (let xx = region.left; xx < region.left + region.width; xx++) sum += map[row + xx]!;
    }
    out[b] = sum;
  }
  return out;
}

function intersect(a: Region, b: Region): Region | undefined {
  const top = Math.max(a.top, b.top);
  const left = Math.max(a.left, b.left);
  const bottom = Math.min(a.top + a.height, b.top + b.height);
  const right = Math.min(a.left + a.width, b.left + b.width);
  return bottom > top && right > left ? { top, left, height: bottom - top, width: right - left } : undefined;
}

/**
 * x in a buffer of its own: posting a view clones its whole buffer (a
 * one-plane view of a colour photo would send all three planes), and a
 * shared buffer would not be copied at all.
 */
function ownBuffer(x: Float32Array): Float32Array {
  return x.buffer instanceof ArrayBuffer && x.byteOffset === 0 && x.byteLength === x.buffer.byteLength ? x : x.slice();
}

/** Sample b's window of x at (top, left) of size sub, into patch. */
function extract(x: Float32Array, shape: Shape4, b: number, top: number, left: number, sub: Shape4, patch: Float32Array): void {
  const { h, w, c } = shape;
  for (let y = 0; y < sub.h; y++) {
    const from = ((b * h + top + y) * w + left) * c;
    patch.set(x.subarray(from, from + sub.w * c), y * sub.w * c);
  }
}

function nhwcToNchw(x: Float32Array, s: Shape4): Float32Array {
  const out = new Float32Array(x.length);
  const plane = s.h * s.w;
  for (let b = 0; b < s.n; b++) for (let p = 0; p < plane; p++) for (let k = 0; k < s.c; k++) out[(b * s.c + k) * plane + p] = x[(b * plane + p) * s.c + k]!;
  return out;
}

function nchwToNhwc(x: Float32Array, s: Shape4): Float32Array {
  const out = new Float32Array(x.length);
  const plane = s.h * s.w;
  for (let b = 0; b < s.n; b++) for (let p = 0; p < plane; p++) for (let k = 0; k < s.c; k++) out[(b * plane + p) * s.c + k] = x[(b * s.c + k) * plane + p]!;
  return out;
}
