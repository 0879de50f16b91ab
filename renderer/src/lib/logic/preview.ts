/**
 * "Latest wins" scheduling for the live preview while sliders move: requests
 * are debounced, and starting a new run aborts the previous one (whose result
 * is then ignored even if it arrives).
 */
import { clamp } from './viewport.js';
import type { CropRect } from '../api/types.js';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class LatestOnly {
  readonly #run: (signal: AbortSignal) => Promise<void>;
  readonly #delay: number;
  readonly #timers: Timers;
  #timer: unknown = null;
  #current: AbortController | null = null;

  constructor(run: (signal: AbortSignal) => Promise<void>, delayMs = 300, timers: Timers = realTimers) {
    this.#run = run;
    this.#delay = delayMs;
    this.#timers = timers;
  }

  get pending(): boolean {
    return this.#timer !== null;
  }

  /** Asks for a run after the debounce delay (restarting the delay if one is waiting). */
  request(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      this.#start();
    }, this.#delay);
  }

  /** Runs now, aborting any run in progress. */
  now(): Promise<void> {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    return this.#start();
  }

  #start(): Promise<void> {
    this.#current?.abort();
    const controller = new AbortController();
    this.#current = controller;
    return this.#run(controller.signal).catch((err) => {
      if (!controller.signal.aborted) throw err;
    });
  }

  /** Drops a waiting request and aborts the run in progress. */
  cancel(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    this.#current?.abort();
    this.#current = null;
  }
}

/**
 * A square-ish crop of at most `maxPixels` centred on (cx, cy) in image
 * pixels, moved inside the image; the whole image when it is small enough.
 */
export function cropAround(cx: number, cy: number, image: { width: number; height: number }, maxPixels: number, side = 256): CropRect {
  const limit = Math.max(1, Math.floor(Math.sqrt(Math.max(1, maxPixels))));
  const s = Math.min(side, limit);
  const w = Math.min(image.width, s);
  const h = Math.min(image.height, s);
  const x = Math.round(clamp(cx - w / 2, 0, image.width - w));
  const y = Math.round(clamp(cy - h / 2, 0, image.height - h));
  return { x, y, width: w, height: h };
}
