/**
 * The WebGPU worker: tfjs-core with the WebGPU backend, running the FoE
 * prior's gradient and whole proximal GNC/VN solves with the engine's own
 * code (src/tensor, pure tfjs-core) so the page's thread stays free. It reads
 * model files itself (src/prior/model-decode.ts, hashed with WebCrypto).
 * Protocol: protocol.ts; the page side is client.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { TensorFoE } from '../../../../src/tensor/foe-tensor.js';
import { TensorDenoisingTerm, TensorInpaintingTerm, proximalStepsTensor, type TensorDataTerm } from '../../../../src/tensor/flow-tensor.js';
import { decodeModelBytesAsync, webCryptoSha256 } from '../../../../src/prior/model-decode.js';
import { GncError, checkNumber } from '../../../../src/util/errors.js';
import type { GpuAdapterReport, GpuModelInfo, GpuRequest, GpuResponse, GpuSolveResult } from './protocol.js';
import { checkImage, checkShape, checkSolveRequest } from './checks.js';

interface WorkerScope {
  postMessage(message: GpuResponse, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<GpuRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

const models = new Map<string, TensorFoE>();
const running = new Map<number, AbortController>();
let started: Promise<GpuAdapterReport> | null = null;

async function start(): Promise<GpuAdapterReport> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, unknown>; isFallbackAdapter?: boolean } | null> } }).gpu;
  if (!gpu) throw new GncError('backend', 'WebGPU is not available in this worker (navigator.gpu is missing)');
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new GncError('backend', 'WebGPU gave no adapter (navigator.gpu.requestAdapter() returned null)');
  let ok = false;
  try {
    ok = await tf.setBackend('webgpu');
  } catch (err) {
    throw new GncError('backend', `The tfjs WebGPU backend failed to start: ${(err as Error).message}`);
  }
  if (!ok) throw new GncError('backend', 'The tfjs WebGPU backend failed to start (setBackend returned false)');
  await tf.ready();
  const info = adapter.info ?? {};
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    backend: 'webgpu',
    vendor: text(info.vendor),
    architecture: text(info.architecture),
    device: text(info.device),
    description: text(info.description),
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
  };
}

function ensureStarted(): Promise<GpuAdapterReport> {
  started ??= start().catch((err) => {
    started = null;
    throw err;
  });
  return started;
}

function modelFor(id: string): TensorFoE {
  const prior = models.get(id);
  if (!prior) throw new GncError('unknown-model', `No model ${id} is loaded in the WebGPU worker: load it first`);
  return prior;
}

async function handle(msg: Exclude<GpuRequest, { type: 'cancel' }>, signal: AbortSignal): Promise<{ value: unknown; transfer: Transferable[] }> {
  switch (msg.type) {
    case 'start':
      return { value: await ensureStarted(), transfer: [] };
    case 'load-model': {
      await ensureStarted();
      if (!(msg.bytes instanceof Uint8Array)) throw new GncError('invalid-argument', 'Expected the model file as a Uint8Array');
      const model = await decodeModelBytesAsync(msg.bytes, 'model', webCryptoSha256);
      if (!models.has(model.id)) models.set(model.id, new TensorFoE(model.architecture, model.parameters));
      const info: GpuModelInfo = { id: model.id, name: model.metadata.name, layers: model.architecture.layers.length, inChannels: model.architecture.inChannels };
      return { value: info, transfer: [] };
    }
    case 'gradient': {
      await ensureStarted();
      const prior = modelFor(msg.modelId);
      const shape = checkShape(msg.shape);
      const x = checkImage('x', msg.x, shape);
      const sigma = checkNumber('sigma', msg.sigma, 1e-6, 10);
      const xt = tf.tensor4d(x, [shape.n, shape.h, shape.w, shape.c]);
      const g = prior.evaluate(xt, new Array<number>(shape.n).fill(Math.log(sigma)), { gradX: true }).gradX!;
      xt.dispose();
      try {
        const out = (await g.data()) as Float32Array;
        return { value: out, transfer: [out.buffer] };
      } finally {
        g.dispose();
      }
    }
    case 'solve': {
      await ensureStarted();
      const req = checkSolveRequest(msg);
      const prior = modelFor(req.modelId);
      const { n, h, w, c } = req.shape;
      const t0 = performance.now();
      const z = tf.tensor4d(req.z, [n, h, w, c]);
      let data: TensorDataTerm;
      if (req.task === 'denoise') {
        data = new TensorDenoisingTerm(z, req.s!);
      } else {
        const m = tf.tensor4d(req.mask!, [n, h, w, c]);
        data = new TensorInpaintingTerm(z, m);
        m.dispose();
      }
      z.dispose();
      try {
        const x = await proximalStepsTensor(prior, data, req.sigmas, req.stepScales, {
          signal,
          onStep: (step, steps, sigma) => scope.postMessage({ type: 'progress', id: msg.id, step, steps, sigma }),
        });
        try {
          const out = (await x.data()) as Float32Array;
          const result: GpuSolveResult = { x: out, seconds: (performance.now() - t0) / 1000, steps: req.sigmas.length };
          return { value: result, transfer: [out.buffer] };
        } finally {
          x.dispose();
        }
      } finally {
        data.dispose();
      }
    }
  }
}

scope.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(msg.id, controller);
  handle(msg, controller.signal)
    .then(({ value, transfer }) => scope.postMessage({ type: 'result', id: msg.id, value }, transfer))
    .catch((err: unknown) => {
      const kind = err instanceof GncError ? err.kind : 'backend';
      const message = err instanceof Error ? err.message : String(err);
      scope.postMessage({ type: 'error', id: msg.id, error: { kind, message } });
    })
    .finally(() => running.delete(msg.id));
};
