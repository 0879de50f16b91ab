/**
 * Which path evaluates the prior at inference: onnxruntime-node (OnnxPrior)
 * when the backend choice allows it ('auto' or 'onnx') and it loads, else
 * the tfjs FoEPrior. One place decides, so denoising, inpainting and
 * sampling (all through restore()) agree, and a tfjs backend named on the
 * command line (`--backend wasm`) keeps them on tfjs.
 */
import { inferenceChoice, type InferenceChoice } from '../engine/backend.js';
import type { FoEArchitecture, FoEParameters } from '../prior/foe.js';
import type { PriorField } from '../solve/tiled-prior.js';
import { GncError } from '../util/errors.js';
import { OnnxPrior, type OnnxPriorOptions } from './onnx-prior.js';
import { ortInstalled } from './ort.js';

/** Why onnx failed to start in this process ('auto' then stops trying). */
let failed: string | undefined;

/** Whether inference would try onnxruntime under this choice (no loading). */
export function prefersOnnx(choice: InferenceChoice = inferenceChoice()): boolean {
  if (choice === 'tfjs') return false;
  if (choice === 'onnx') return true;
  return failed === undefined && ortInstalled().ok;
}

export interface OnnxInference {
  field: PriorField;
  threads: number;
  dispose(): void;
}

/**
 * An OnnxPrior when the choice allows one, or undefined for the tfjs path
 * (with 'auto', also when onnxruntime does not load here). With 'onnx' a
 * failure to load is an error.
 */
export function openOnnxPrior(
  arch: FoEArchitecture,
  params: FoEParameters,
  options: OnnxPriorOptions,
  choice: InferenceChoice = inferenceChoice(),
): OnnxInference | undefined {
  if (!prefersOnnx(choice)) return undefined;
  try {
    const prior = new OnnxPrior(arch, params, options);
    return { field: prior, threads: prior.info.threads, dispose: () => prior.dispose() };
  } catch (err) {
    if (choice === 'onnx' || !(err instanceof GncError && err.kind === 'backend')) throw err;
    failed = err.message;
    return undefined;
  }
}

/** Why 'auto' fell back to tfjs in this process, if it did. */
export function onnxFallbackReason(): string | undefined {
  return failed ?? (ortInstalled().ok ? undefined : 'onnxruntime-node is not installed');
}
