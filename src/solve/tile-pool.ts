/**
 * All cores for one solve: a pool of worker threads, each with its own tile
 * kernel (its own tfjs-wasm instance and the model loaded once), and
 * `PooledPrior`, a PriorField that evaluates the tiles of an image on them.
 *
 * The solvers call PriorField.evaluate synchronously, so the caller posts one
 * evaluation to every worker and blocks in Atomics.wait (allowed on Node's
 * worker threads and main thread) until all work items are done. x, ∇ₓR and
 * the per-tile sums live in SharedArrayBuffers: the workers read x and write
 * their tiles' interiors in place, no copies. Progress (onTile) and cancel
 * (signal) are served by the waiting caller between work items; a worker's
 * error is rethrown by the caller with the worker's message.
 *
 * Results equal TiledPrior's: every tile is evaluated with the same halo and
 * energies are summed in tile order whatever worker computed them.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EvaluateRequest, EvaluateResult, FoEArchitecture } from '../prior/foe.js';
import type { Shape4 } from '../prior/conv.js';
import { GncError, checkInteger, invalidArgument, throwIfAborted } from '../util/errors.js';
import type { TileKernelSpec } from './tile-kernel.js';
import { CTRL, CTRL_SLOTS, ERROR_BYTES, type EvaluateMessage, type FromTileWorker, type ToTileWorker } from './tile-protocol.js';
import { tileFor, tileGrid, type PriorField, type TilingOptions } from './tiled-prior.js';

const DEFAULT_ENTRY = new URL('./tile-worker-entry.mjs', import.meta.url);
export const MAX_THREADS = 256;

/**
 * Threads for a solve: the request's, else GNC_THREADS, else every core
 * (os.availableParallelism) — unless the backend already uses all cores
 * itself (tfjs-node reports threads 0), where one is the default.
 */
export function resolveThreads(requested: number | undefined, backendThreads = 1, env: NodeJS.ProcessEnv = process.env): number {
  if (requested !== undefined) return checkInteger('threads', requested, 1, MAX_THREADS);
  const fromEnv = env.GNC_THREADS?.trim();
  if (fromEnv) {
    const n = Number(fromEnv);
    if (!/^\d+$/.test(fromEnv) || n < 1 || n > MAX_THREADS) throw invalidArgument('GNC_THREADS', `an integer between 1 and ${MAX_THREADS}`, fromEnv);
    return n;
  }
  if (backendThreads === 0) return 1;
  return Math.max(1, Math.min(MAX_THREADS, os.availableParallelism()));
}

/**
 * Interior tile side on a pool: half of tileFor's, since every worker holds
 * one tile's feature maps at a time (measured on a 1 MP colour photo with two
 * workers: peak RSS 1.15 GB at 384 against 0.68 GB at 192, same speed).
 */
export function pooledTileFor(arch: FoEArchitecture): number {
  return Math.max(64, Math.round(tileFor(arch) / 2 / 16) * 16);
}

export interface TilePoolOptions {
  threads: number;
  kernel: TileKernelSpec;
  /** Worker entry (tests use their own). */
  entry?: URL;
  /**
   * Seconds without any finished work item after which an evaluation gives up
   * on a worker that died without a word (default 300).
   */
  stallSeconds?: number;
}

export class TilePool {
  readonly size: number;
  readonly halo: number;
  readonly kernel: TileKernelSpec;
  readonly stallMs: number;
  readonly #workers: Worker[];
  /** Two image-sized buffers the evaluations alternate between (see evaluateSync). */
  #buffers: [SharedArrayBuffer, SharedArrayBuffer] | undefined;
  #broken: string | undefined;
  #closed = false;

  private constructor(workers: Worker[], halo: number, kernel: TileKernelSpec, stallMs: number) {
    this.#workers = workers;
    this.size = workers.length;
    this.halo = halo;
    this.kernel = kernel;
    this.stallMs = stallMs;
  }

  /** Starts `threads` workers and waits until each has built its kernel. */
  static async create(options: TilePoolOptions): Promise<TilePool> {
    const threads = checkInteger('threads', options.threads, 1, MAX_THREADS);
    const entry = options.entry ?? DEFAULT_ENTRY;
    const workers: Worker[] = [];
    try {
      const halos = await Promise.all(
        Array.from({ length: threads }, (_, index) => {
          const worker = new Worker(entry);
          // A pool that is never terminated must not keep the process alive.
          worker.unref();
          workers.push(worker);
          return new Promise<number>((resolve, reject) => {
            const onExit = (code: number) => reject(new GncError('backend', `Tile worker ${index} stopped while starting (exit code ${code})`));
            worker.once('exit', onExit);
            worker.once('error', (err) => reject(new GncError('backend', `Tile worker ${index} failed to start: ${err.message}`)));
            worker.once('message', (message: FromTileWorker) => {
              worker.off('exit', onExit);
              if (message.type === 'ready') resolve(message.halo);
              else reject(new GncError('backend', `Tile worker ${index} could not build its ${options.kernel.label} kernel: ${message.message}`));
            });
            worker.postMessage({ type: 'init', index, kernel: options.kernel } satisfies ToTileWorker);
          });
        }),
      );
      return new TilePool(workers, halos[0]!, options.kernel, (options.stallSeconds ?? 300) * 1000);
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
  }

  /** Stops every worker; the pool cannot be used afterwards. */
  async terminate(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  /** Threads still running (0 once terminated). */
  get running(): number {
    return this.#workers.filter((w) => w.threadId >= 0).length;
  }

  /**
   * One evaluation over the tiles of `tile` interior side. Blocks the calling
   * thread until all work items are done, calling onTile as tiles complete.
   *
   * Memory: the pool owns two image-sized shared buffers. x is read from one
   * (copied there unless it already is one of them) and ∇ₓR is written to the
   * other, which the result's gradX views. A solver that turns gradX into its
   * next iterate in place (gnc-flow, joint) therefore hands x back in a pool
   * buffer and nothing is copied or allocated per step, and no worker keeps a
   * stale full-size buffer alive. The price: gradX is overwritten by the
   * evaluation after next, so a caller that keeps old iterates must copy them.
   */
  evaluateSync(x: Float32Array, shape: Shape4, t: ArrayLike<number>, want: EvaluateRequest, tiling: Required<Pick<TilingOptions, 'tile'>> & TilingOptions): EvaluateResult {
    if (this.#closed) throw new GncError('backend', 'The tile pool was terminated');
    if (this.#broken) throw new GncError('backend', this.#broken);
    const { n, h, w, c } = shape;
    const size = n * h * w * c;
    if (x.length !== size) throw new GncError('invalid-argument', `tile pool: expected ${size} values for ${JSON.stringify(shape)} but received ${x.length}`);
    if (t.length !== n) throw new GncError('invalid-argument', `tile pool: expected one t per sample (${n}) but received ${t.length}`);
    if (region(want)) throw new GncError('invalid-argument', 'tile pool: a region cannot be combined with tiling');
    throwIfAborted(tiling.signal, 'prior evaluation');
    const tiles = tileGrid(h, w, tiling.tile).length;
    const items = tiles * n;
    if (!this.#buffers || this.#buffers[0].byteLength !== size * 4) this.#buffers = [new SharedArrayBuffer(size * 4), new SharedArrayBuffer(size * 4)];
    const [a, b] = this.#buffers;
    // x in shared memory: as given when it is one of the pool's buffers (the
    // solvers keep their iterate there), else copied into one.
    let xBuffer: SharedArrayBuffer;
    if (x.buffer === a || x.buffer === b) xBuffer = x.buffer;
    else {
      xBuffer = a;
      new Float32Array(a, 0, size).set(x);
    }
    const xOffset = 0;
    const gradX = want.gradX ? (xBuffer === a ? b : a) : undefined;
    const sums = new SharedArrayBuffer(items * 2 * 8);
    const ctrlBuffer = new SharedArrayBuffer(CTRL_SLOTS * 4);
    const errorText = new SharedArrayBuffer(ERROR_BYTES);
    const ctrl = new Int32Array(ctrlBuffer);
    const active = Math.min(this.size, items);
    const message: EvaluateMessage = {
      type: 'evaluate',
      x: xBuffer,
      xOffset,
      shape: { n, h, w, c },
      t: Array.from(t),
      want: { energy: !!want.energy, gradX: !!want.gradX, gradT: !!want.gradT },
      tile: tiling.tile,
      ...(gradX ? { gradX } : {}),
      sums,
      ctrl: ctrlBuffer,
      errorText,
    };
    for (let i = 0; i < active; i++) this.#workers[i]!.postMessage(message);
    // Workers beyond `active` would find no item; they are not asked.
    let reported = 0;
    let lastEvent = performance.now();
    let stopped = false;
    for (;;) {
      const events = Atomics.load(ctrl, CTRL.events);
      const done = Atomics.load(ctrl, CTRL.done);
      // A tile counts once all its samples are done (items finish in any order).
      const tilesDone = Math.floor(done / n);
      while (reported < tilesDone && !stopped) {
        reported += 1;
        tiling.onTile?.(reported, tiles);
        if (tiling.signal?.aborted) break;
      }
      if (!stopped && (tiling.signal?.aborted || Atomics.load(ctrl, CTRL.error) !== 0)) {
        stopped = true;
        Atomics.store(ctrl, CTRL.stop, 1);
      }
      if (Atomics.load(ctrl, CTRL.finished) >= active) break;
      const woke = Atomics.wait(ctrl, CTRL.events, events, 1000);
      const now = performance.now();
      if (woke !== 'timed-out') lastEvent = now;
      else if (now - lastEvent > this.stallMs) {
        Atomics.store(ctrl, CTRL.stop, 1);
        this.#broken = `The tile workers stopped responding (no tile finished in ${Math.round(this.stallMs / 1000)} s); a worker may have crashed`;
        throw new GncError('backend', this.#broken);
      }
    }
    const failed = Atomics.load(ctrl, CTRL.error);
    if (failed !== 0) {
      const length = new Int32Array(errorText, 0, 1)[0]!;
      const text = new TextDecoder().decode(new Uint8Array(errorText, 4, length).slice());
      throw new GncError('backend', `Tile worker ${failed - 1} failed evaluating the ${this.kernel.label} prior: ${text}`);
    }
    throwIfAborted(tiling.signal, 'prior evaluation');
    const result: EvaluateResult = {};
    if (gradX) result.gradX = new Float32Array(gradX, 0, size);
    const s = new Float64Array(sums);
    if (want.energy) result.energy = sumPerSample(s, 0, tiles, n);
    if (want.gradT) result.gradT = sumPerSample(s, items, tiles, n);
    return result;
  }
}

function region(want: EvaluateRequest): boolean {
  return want.region !== undefined;
}

/** Per-sample sums over tiles, in tile order (the order TiledPrior sums in). */
function sumPerSample(s: Float64Array, offset: number, tiles: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let tile = 0; tile < tiles; tile++) for (let b = 0; b < n; b++) out[b]! += s[offset + tile * n + b]!;
  return out;
}

/** A PriorField that evaluates the prior tile by tile on a TilePool. */
export class PooledPrior implements PriorField {
  readonly pool: TilePool;
  readonly tile: number;
  readonly tRange: { tMin: number; tMax: number };
  readonly #options: TilingOptions;

  constructor(pool: TilePool, tRange: { tMin: number; tMax: number }, options: TilingOptions & { tile: number }) {
    this.pool = pool;
    this.tRange = tRange;
    this.tile = checkInteger('tile size', options.tile, 16, 1 << 14);
    this.#options = options;
  }

  get threads(): number {
    return this.pool.size;
  }

  tilesFor(h: number, w: number): number {
    return tileGrid(h, w, this.tile).length;
  }

  evaluate(x: Float32Array, shape: Shape4, t: ArrayLike<number>, want: EvaluateRequest): EvaluateResult {
    return this.pool.evaluateSync(x, shape, t, want, { ...this.#options, tile: this.tile });
  }
}
