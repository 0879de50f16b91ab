/**
 * The page side of the WebGPU worker: one call per request with a sequence
 * id, a map of pending promises, errors rethrown as EngineError (kind
 * intact), and an AbortSignal on every call that posts a cancel (the worker
 * stops between solver steps). `probeWebGpu` says whether this browser can
 * offer the path at all, before any worker is started.
 */
import { EngineError } from '../api/types.js';
import type { GpuAdapterReport, GpuModelInfo, GpuRequest, GpuResponse, GpuShape, GpuSolveRequest, GpuSolveResult } from './protocol.js';

/** The part of a Worker the client uses (a fake in tests). */
export interface WorkerLike {
  postMessage(message: GpuRequest, transfer?: Transferable[]): void;
  terminate(): void;
  onmessage: ((event: MessageEvent<GpuResponse>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
}

/** The part of navigator.gpu the probe uses. */
export interface GpuLike {
  requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean }; isFallbackAdapter?: boolean } | null>;
}

export type WebGpuProbe =
  | { available: true; vendor: string; architecture: string; isFallbackAdapter: boolean }
  | { available: false; reason: string };

/**
 * Whether WebGPU gives an adapter here. Headless Chromium offers only a
 * software one, and only with --enable-unsafe-webgpu; Chromium on Linux needs
 * that flag for hardware GPUs too; Windows (D3D12) and macOS (Metal) have it
 * on by default.
 */
export async function probeWebGpu(gpu: GpuLike | undefined): Promise<WebGpuProbe> {
  if (!gpu) return { available: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { available: false, reason: 'WebGPU gave no adapter (disabled, or no supported GPU)' };
    const info = adapter.info ?? {};
    return {
      available: true,
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
    };
  } catch (err) {
    return { available: false, reason: `requesting a WebGPU adapter failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  onProgress?: (p: { step: number; steps: number; sigma: number }) => void;
}

export class GpuClient {
  readonly #worker: WorkerLike;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #dead: Error | null = null;

  constructor(worker: WorkerLike) {
    this.#worker = worker;
    worker.onmessage = (event) => this.#receive(event.data);
    worker.onerror = (event) => this.#fail(new EngineError('backend', `The WebGPU worker failed: ${event.message || 'it could not start'}`));
  }

  /** A client on a new module worker built from worker.ts. */
  static spawn(): GpuClient {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'gnc-webgpu' });
    return new GpuClient(worker as unknown as WorkerLike);
  }

  /** Starts tfjs' WebGPU backend in the worker; resolves to the adapter it runs on. */
  start(signal?: AbortSignal): Promise<GpuAdapterReport> {
    return this.#call({ type: 'start', id: 0 }, [], signal) as Promise<GpuAdapterReport>;
  }

  /** Loads a .gncm model file (checked as the engine checks it); resolves to its identity. */
  loadModel(bytes: Uint8Array, signal?: AbortSignal): Promise<GpuModelInfo> {
    return this.#call({ type: 'load-model', id: 0, bytes }, [], signal) as Promise<GpuModelInfo>;
  }

  /** ∇ₓR(x, log σ) on the GPU; x is transferred to the worker (it is unusable here afterwards). */
  gradient(modelId: string, shape: GpuShape, x: Float32Array, sigma: number, signal?: AbortSignal): Promise<Float32Array> {
    return this.#call({ type: 'gradient', id: 0, modelId, shape, x, sigma }, [x.buffer], signal) as Promise<Float32Array>;
  }

  /** A whole proximal solve on the GPU; z and mask are transferred. */
  solve(request: GpuSolveRequest, options: { signal?: AbortSignal; onProgress?: Pending['onProgress'] } = {}): Promise<GpuSolveResult> {
    const transfer: Transferable[] = [request.z.buffer];
    if (request.mask) transfer.push(request.mask.buffer);
    return this.#call({ type: 'solve', id: 0, ...request }, transfer, options.signal, options.onProgress) as Promise<GpuSolveResult>;
  }

  terminate(): void {
    this.#fail(new EngineError('cancelled', 'The WebGPU worker was stopped'));
    this.#worker.terminate();
  }

  #call(msg: Exclude<GpuRequest, { type: 'cancel' }>, transfer: Transferable[], signal?: AbortSignal, onProgress?: Pending['onProgress']): Promise<unknown> {
    if (this.#dead) return Promise.reject(this.#dead);
    if (signal?.aborted) return Promise.reject(new EngineError('cancelled', 'Cancelled before it started'));
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.#worker.postMessage({ type: 'cancel', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.#pending.set(id, {
        resolve: (v) => (done(), resolve(v)),
        reject: (e) => (done(), reject(e)),
        ...(onProgress ? { onProgress } : {}),
      });
      this.#worker.postMessage({ ...msg, id }, transfer);
    });
  }

  #receive(msg: GpuResponse): void {
    const pending = this.#pending.get(msg.id);
    if (!pending) return;
    if (msg.type === 'progress') {
      pending.onProgress?.({ step: msg.step, steps: msg.steps, sigma: msg.sigma });
      return;
    }
    this.#pending.delete(msg.id);
    if (msg.type === 'result') pending.resolve(msg.value);
    else pending.reject(new EngineError(msg.error.kind, msg.error.message));
  }

  #fail(err: Error): void {
    this.#dead = err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
