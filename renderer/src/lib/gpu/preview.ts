/**
 * A denoise preview solved on the page's GPU: the engine plans it
 * (prepareGpuSolve: the numbers a preview job would use), the WebGPU worker
 * runs the proximal steps, and the result comes back here as an 8-bit picture
 * of the crop with its PSNR when the plan has a reference. The model file
 * crosses once per model: the worker keeps it and the next plan names it.
 */
import type { DenoiseSubmit, EngineApi, GpuSolvePlan } from '../api/types.js';
import { EngineError } from '../api/types.js';
import { fromSolver, layoutFor } from '../../../../src/restore/layout.js';
import { psnr } from '../../../../src/image/metrics.js';
import type { GpuClient } from './client.js';
import type { GpuAdapterReport } from './protocol.js';

export interface GpuPreviewResult {
  crop: GpuSolvePlan['crop'];
  width: number;
  height: number;
  channels: 1 | 3;
  /** 8-bit pixels of the restored crop, interleaved, clipped to [0, 1] first (as the engine writes results). */
  pixels: Uint8Array;
  psnr?: number;
  /** Seconds in the worker (upload, the steps, download). */
  seconds: number;
  steps: number;
  method: GpuSolvePlan['method'];
  sigma: number;
  model: GpuSolvePlan['model'];
  adapter: GpuAdapterReport;
}

/** Base64 of float32 little-endian values → Float32Array. */
export function decodeFloats(b64: string, expected: number, what: string): Float32Array {
  const bin = atob(b64);
  if (bin.length !== expected * 4) throw new EngineError('internal', `The plan's ${what} has ${bin.length} bytes; expected ${expected * 4} (${expected} float32 values)`);
  const view = new DataView(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) view.setUint8(i, bin.charCodeAt(i));
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

function decodeBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export class GpuPreviewer {
  readonly #api: EngineApi;
  readonly #spawn: () => GpuClient;
  #client: GpuClient | null = null;
  #adapter: Promise<GpuAdapterReport> | null = null;
  #loadedModelId: string | undefined;

  constructor(api: EngineApi, spawn: () => GpuClient) {
    this.#api = api;
    this.#spawn = spawn;
  }

  /** Starts the worker's WebGPU backend (once); resolves to the adapter. */
  start(): Promise<GpuAdapterReport> {
    if (!this.#client) this.#client = this.#spawn();
    this.#adapter ??= this.#client.start().catch((err: unknown) => {
      this.stop();
      throw err;
    });
    return this.#adapter;
  }

  async run(request: DenoiseSubmit, options: { signal?: AbortSignal; onProgress?: (step: number, steps: number) => void } = {}): Promise<GpuPreviewResult> {
    const adapter = await this.start();
    const client = this.#client!;
    const plan = await this.#api.prepareGpuSolve({ request, ...(this.#loadedModelId ? { loadedModelId: this.#loadedModelId } : {}) });
    if (options.signal?.aborted) throw new EngineError('cancelled', 'The preview was cancelled');
    if (plan.modelFile !== undefined) {
      const info = await client.loadModel(decodeBytes(plan.modelFile), options.signal);
      this.#loadedModelId = info.id;
    } else if (plan.model.id !== this.#loadedModelId) {
      throw new EngineError('internal', `The plan left out the model file of ${plan.model.name}, which the WebGPU worker does not hold`);
    }
    const { n, h, w, c } = plan.shape;
    const size = n * h * w * c;
    const solved = await client.solve(
      { modelId: plan.model.id, task: 'denoise', shape: plan.shape, z: decodeFloats(plan.z, size, 'image'), s: plan.s, sigmas: plan.sigmas, stepScales: plan.stepScales },
      { ...(options.signal ? { signal: options.signal } : {}), onProgress: (p) => options.onProgress?.(p.step, p.steps) },
    );
    // shape.c is the prior's input channels: the layout follows as in the engine.
    const layout = layoutFor(plan.image, c);
    const image = fromSolver(solved.x, plan.image, layout).map((v) => Math.min(1, Math.max(0, v)));
    const pixels = Uint8Array.from(image, (v) => Math.round(v * 255));
    const result: GpuPreviewResult = {
      crop: plan.crop,
      width: plan.image.width,
      height: plan.image.height,
      channels: plan.image.channels,
      pixels,
      seconds: solved.seconds,
      steps: solved.steps,
      method: plan.method,
      sigma: plan.sigma,
      model: plan.model,
      adapter,
    };
    if (plan.reference) result.psnr = psnr(image, fromSolver(decodeFloats(plan.reference, size, 'reference'), plan.image, layout));
    return result;
  }

  /** Stops the worker (a later run starts a new one). */
  stop(): void {
    this.#client?.terminate();
    this.#client = null;
    this.#adapter = null;
    this.#loadedModelId = undefined;
  }
}
