/**
 * Messages between the page and the WebGPU worker (worker.ts): a
 * discriminated union with a sequence id per call, errors sent back as
 * { kind, message } and rethrown as EngineError on the page, and a cancel
 * message per call (the page's AbortSignal). Float arrays travel as
 * transferred Float32Arrays. Images are NHWC with c = the prior's input
 * channels (1 for the shipped grey priors; colour photos are n = 3 opponent
 * planes, as the engine's solver layout).
 */
import type { ApiErrorKind } from '../api/types.js';

export interface GpuShape {
  n: number;
  h: number;
  w: number;
  c: number;
}

/** What the worker's WebGPU backend runs on. */
export interface GpuAdapterReport {
  /** tfjs backend name: always 'webgpu' once started. */
  backend: 'webgpu';
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software or otherwise limited adapter (e.g. SwiftShader, Chromium's fallback). */
  isFallbackAdapter: boolean;
}

export interface GpuModelInfo {
  /** The model's identity (sha256 of architecture and weights), as the engine's. */
  id: string;
  name: string;
  layers: number;
  inChannels: number;
}

export interface GpuSolveRequest {
  /** A model loaded with load-model. */
  modelId: string;
  task: 'denoise' | 'inpaint';
  shape: GpuShape;
  /** Observed image (denoise: noisy; inpaint: hidden pixels zeroed), [0, 1] scale. */
  z: Float32Array;
  /** Inpaint: 1 = observed, 0 = fill in; shaped like z. */
  mask?: Float32Array;
  /** Denoise: the data term's noise level on the [0, 1] scale (already divided by √dataWeight). */
  s?: number;
  /** Per step σ_i on the [0, 1] scale, and the step scale λ_i. */
  sigmas: number[];
  stepScales: number[];
}

export type GpuRequest =
  | { type: 'start'; id: number }
  | { type: 'load-model'; id: number; bytes: Uint8Array }
  | { type: 'gradient'; id: number; modelId: string; shape: GpuShape; x: Float32Array; sigma: number }
  | ({ type: 'solve'; id: number } & GpuSolveRequest)
  | { type: 'cancel'; id: number };

export type GpuResponse =
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: { kind: ApiErrorKind; message: string } }
  | { type: 'progress'; id: number; step: number; steps: number; sigma: number };

export interface GpuSolveResult {
  x: Float32Array;
  /** Seconds the solve took in the worker, upload and download included. */
  seconds: number;
  steps: number;
}
