/**
 * What evaluates the prior on one tile inside a tile-pool worker
 * (tile-pool.ts). A kernel is named by a module that exports
 * `createTileKernel(options)`, plus JSON/structured-clone-safe options, so a
 * worker thread can build it without sharing objects with the caller: the
 * tfjs FoE prior here (foe-tile-kernel.ts), and any other engine (e.g. an
 * onnxruntime graph) that implements the same interface.
 */
import type { EvaluateRequest, EvaluateResult } from '../prior/foe.js';
import type { Shape4 } from '../prior/conv.js';

export interface TileKernel {
  /** Pixels of context a tile needs for an exact ∇ₓR (receptiveHalo for an FoE prior). */
  readonly halo: number;
  /** Evaluates one patch (with its halo); may be asynchronous inside the worker. */
  evaluate(x: Float32Array, shape: Shape4, t: ArrayLike<number>, want: EvaluateRequest): EvaluateResult | Promise<EvaluateResult>;
  dispose(): void;
}

/** How a worker builds its kernel: `(await import(module)).createTileKernel(options)`. */
export interface TileKernelSpec {
  /** File URL (or specifier) of the module. */
  module: string;
  /** Passed to createTileKernel; must survive structured cloning. */
  options: unknown;
  /** Short name for reports and error messages, e.g. "foe/wasm". */
  label: string;
}

/** The signature a kernel module exports as `createTileKernel`. */
export type TileKernelFactory = (options: unknown) => TileKernel | Promise<TileKernel>;
