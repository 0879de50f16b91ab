/**
 * Backend selection: the fastest tfjs backend that loads here.
 *
 *   tensorflow (tfjs-node-gpu, else tfjs-node) → wasm → cpu
 *
 * tfjs-node(-gpu) are optional dependencies: their install downloads
 * libtensorflow, which fails where that host is unreachable, and npm then
 * skips them. So they are probed with a dynamic import and any failure just
 * moves on. Every result reports which backend ran it.
 */
import { createRequire } from 'node:module';
import { tf } from './tf.js';
import { GncError } from '../util/errors.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
/**
 * 'onnx' runs the prior's inference (denoising, inpainting, sampling) on
 * onnxruntime-node (src/onnx) and everything else on the fastest tfjs backend;
 * 'auto' does the same when onnxruntime-node loads; a named tfjs backend keeps
 * inference on tfjs too.
 */
export type BackendChoice = BackendName | 'auto' | 'onnx';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'onnx', 'tensorflow', 'wasm', 'cpu'];
/** Where prior inference may run: 'auto' prefers onnx when it loads. */
export type InferenceChoice = 'auto' | 'onnx' | 'tfjs';

export interface BackendInfo {
  name: BackendName;
  /** Package that provides it (e.g. '@tensorflow/tfjs-node-gpu'). */
  package: string;
  /** 'gpu' only when the tensorflow backend reports a GPU device. */
  device: 'cpu' | 'gpu';
  /** Threads one instance of the backend uses for its kernels. */
  threads: number;
  /** Backends that were tried before this one, with why they failed. */
  skipped: Array<{ name: string; reason: string }>;
}

const require = createRequire(import.meta.url);
let current: BackendInfo | undefined;
let inference: InferenceChoice = 'auto';

export function parseBackendChoice(value: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new GncError('invalid-argument', `Unknown backend ${JSON.stringify(value)}: expected one of ${BACKEND_CHOICES.join(', ')}`);
}

async function tryTensorflow(skipped: BackendInfo['skipped']): Promise<BackendInfo | undefined> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(pkg);
    } catch {
      skipped.push({ name: pkg, reason: 'not installed' });
      continue;
    }
    try {
      await import(pkg);
      if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend("tensorflow") returned false');
      await tf.ready();
      const gpu = pkg.endsWith('-gpu') && hasGpuDevice();
      return { name: 'tensorflow', package: pkg, device: gpu ? 'gpu' : 'cpu', threads: 0, skipped };
    } catch (err) {
      skipped.push({ name: pkg, reason: (err as Error).message.split('\n')[0] ?? String(err) });
    }
  }
  return undefined;
}

function hasGpuDevice(): boolean {
  // tfjs-node-gpu falls back to CPU silently when CUDA is missing; the binding
  // knows whether a GPU device was found.
  try {
    const backend = tf.backend() as unknown as { binding?: { isUsingGpuDevice?: () => boolean } };
    return backend.binding?.isUsingGpuDevice?.() ?? false;
  } catch {
    return false;
  }
}

async function tryWasm(skipped: BackendInfo['skipped']): Promise<BackendInfo | undefined> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend("wasm") returned false');
    await tf.ready();
    // Node gives the wasm backend one thread per instance (design.md); more cores
    // are used by running several workers.
    return { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', device: 'cpu', threads: 1, skipped };
  } catch (err) {
    skipped.push({ name: 'wasm', reason: (err as Error).message.split('\n')[0] ?? String(err) });
    return undefined;
  }
}

async function useCpu(skipped: BackendInfo['skipped']): Promise<BackendInfo> {
  if (!(await tf.setBackend('cpu'))) throw new GncError('backend', 'The tfjs cpu backend failed to start');
  await tf.ready();
  // The cpu backend greets Node users with a banner on first use; we already
  // report the backend ourselves.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  return { name: 'cpu', package: '@tensorflow/tfjs', device: 'cpu', threads: 1, skipped };
}

/**
 * Selects a backend. 'auto' takes the fastest that loads; a named backend must
 * load or this throws a `backend` error saying why.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  inference = choice === 'auto' || choice === 'onnx' ? choice : 'tfjs';
  if (choice === 'onnx') choice = 'auto';
  const skipped: BackendInfo['skipped'] = [];
  let info: BackendInfo | undefined;
  if (choice === 'auto' || choice === 'tensorflow') info = await tryTensorflow(skipped);
  if (!info && (choice === 'auto' || choice === 'wasm')) info = await tryWasm(skipped);
  if (!info && (choice === 'auto' || choice === 'cpu')) info = await useCpu(skipped);
  if (!info) {
    const why = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
    throw new GncError('backend', `The ${choice} backend is not available here (${why})`);
  }
  current = info;
  return info;
}

/** The backend selected last (selecting 'auto' first if none was). */
export async function ensureBackend(): Promise<BackendInfo> {
  return current ?? selectBackend('auto');
}

export function currentBackend(): BackendInfo | undefined {
  return current;
}

/** The inference choice of the last selectBackend ('auto' if none was made). */
export function inferenceChoice(): InferenceChoice {
  return inference;
}
