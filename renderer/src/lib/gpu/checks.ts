/**
 * Checks of what reaches the WebGPU worker, in the engine's style (one error
 * that names the parameter, what was expected and what arrived). Pure, so the
 * renderer's tests run them without a worker or a GPU.
 */
import { GncError, checkInteger, checkNumber, invalidArgument } from '../../../../src/util/errors.js';
import type { GpuShape, GpuSolveRequest } from './protocol.js';

/** Largest image the worker takes in one call (pixels × channels × samples): a preview crop is far below. */
export const MAX_GPU_VALUES = 64 * 1024 * 1024;
export const MAX_GPU_STEPS = 10_000;

export function checkShape(shape: unknown, name = 'shape'): GpuShape {
  if (!shape || typeof shape !== 'object') throw invalidArgument(name, 'an object { n, h, w, c }', shape);
  const s = shape as Record<string, unknown>;
  const out = {
    n: checkInteger(`${name}.n`, s.n, 1, 64),
    h: checkInteger(`${name}.h`, s.h, 1, 1 << 15),
    w: checkInteger(`${name}.w`, s.w, 1, 1 << 15),
    c: checkInteger(`${name}.c`, s.c, 1, 4),
  };
  if (out.n * out.h * out.w * out.c > MAX_GPU_VALUES) {
    throw invalidArgument(name, `at most ${MAX_GPU_VALUES} values`, `${out.n}×${out.h}×${out.w}×${out.c}`);
  }
  return out;
}

export function checkImage(name: string, data: unknown, shape: GpuShape): Float32Array {
  const want = shape.n * shape.h * shape.w * shape.c;
  if (!(data instanceof Float32Array)) throw invalidArgument(name, 'a Float32Array', Object.prototype.toString.call(data));
  if (data.length !== want) throw invalidArgument(name, `${want} values for ${shape.n}×${shape.h}×${shape.w}×${shape.c}`, `${data.length} values`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw invalidArgument(name, 'finite values', `${data[i]} at index ${i}`);
  }
  return data;
}

/** Validates a solve request as it arrives; returns it typed. */
export function checkSolveRequest(req: GpuSolveRequest): GpuSolveRequest {
  if (typeof req.modelId !== 'string' || !/^[0-9a-f]{64}$/.test(req.modelId)) throw invalidArgument('modelId', 'a model identity (64 hex characters)', req.modelId);
  if (req.task !== 'denoise' && req.task !== 'inpaint') throw invalidArgument('task', '"denoise" or "inpaint"', req.task);
  const shape = checkShape(req.shape);
  checkImage('z', req.z, shape);
  if (req.task === 'denoise') {
    checkNumber('s', req.s, 1e-6, 10);
    if (req.mask !== undefined) throw invalidArgument('mask', 'no mask for denoising', 'a mask');
  } else {
    const mask = checkImage('mask', req.mask, shape);
    let observed = 0;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i] !== 0 && mask[i] !== 1) throw new GncError('invalid-mask', `Mask values must be 0 or 1 but value ${i} is ${mask[i]}`);
      observed += mask[i]!;
    }
    if (observed === 0) throw new GncError('invalid-mask', 'The mask hides every pixel: there is nothing to inpaint from');
  }
  if (!Array.isArray(req.sigmas) || req.sigmas.length < 1 || req.sigmas.length > MAX_GPU_STEPS) {
    throw invalidArgument('sigmas', `1 to ${MAX_GPU_STEPS} noise levels`, Array.isArray(req.sigmas) ? `${req.sigmas.length} values` : req.sigmas);
  }
  if (!Array.isArray(req.stepScales) || req.stepScales.length !== req.sigmas.length) {
    throw invalidArgument('stepScales', `one step scale per σ (${req.sigmas.length})`, Array.isArray(req.stepScales) ? `${req.stepScales.length} values` : req.stepScales);
  }
  req.sigmas.forEach((s, i) => checkNumber(`sigmas[${i}]`, s, 1e-6, 10));
  req.stepScales.forEach((s, i) => checkNumber(`stepScales[${i}]`, s, 1e-6, 100));
  return req;
}
