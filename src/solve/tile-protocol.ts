/**
 * Messages and shared-memory layout between a tile pool (tile-pool.ts, the
 * caller's thread, which blocks in Atomics.wait) and its workers
 * (tile-worker.ts). Only 'init' and 'evaluate' travel as messages; progress,
 * completion and errors of an evaluation go through shared memory, because
 * the caller cannot read messages while it blocks.
 */
import type { TileKernelSpec } from './tile-kernel.js';
import type { Shape4 } from '../prior/conv.js';

/** Int32 slots of an evaluation's control buffer. */
export const CTRL = {
  /** Next work item to take (workers Atomics.add it). */
  next: 0,
  /** Work items finished. */
  done: 1,
  /** Workers that left the evaluation (finished, stopped or failed). */
  finished: 2,
  /** Set by the caller: take no more items (cancel or another worker failed). */
  stop: 3,
  /** 0, or 1 + the index of the first worker that failed. */
  error: 4,
  /** Bumped (and notified) on every change the caller must see. */
  events: 5,
} as const;
export const CTRL_SLOTS = 6;
/** Bytes for the first error's UTF-8 message (after a 4-byte length). */
export const ERROR_BYTES = 4096;

export interface EvaluateMessage {
  type: 'evaluate';
  /** The image, NHWC Float32, in shared memory. */
  x: SharedArrayBuffer;
  xOffset: number;
  shape: Shape4;
  t: number[];
  want: { energy: boolean; gradX: boolean; gradT: boolean };
  /** Interior tile side. */
  tile: number;
  /** ∇ₓR, written in place by the workers (interiors are disjoint). */
  gradX?: SharedArrayBuffer;
  /** Float64 [items] energies then [items] ∂ₜR, item = tile · n + sample. */
  sums: SharedArrayBuffer;
  ctrl: SharedArrayBuffer;
  errorText: SharedArrayBuffer;
}

export type ToTileWorker = { type: 'init'; index: number; kernel: TileKernelSpec } | EvaluateMessage;

export type FromTileWorker = { type: 'ready'; halo: number } | { type: 'init-error'; message: string };
