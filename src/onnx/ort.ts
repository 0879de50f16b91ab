/**
 * Loading onnxruntime-node, an optional dependency: its CPU binaries ship in
 * the npm package, but a platform without them (or an install that skipped
 * optional packages) must still run the engine on tfjs. The types below are
 * the small part of its API the engine uses, so type-checking does not need
 * the package either.
 */
import { createRequire } from 'node:module';

export const ORT_PACKAGE = 'onnxruntime-node';

export interface OrtTensor {
  readonly dims: readonly number[];
  readonly data: unknown;
}

export interface OrtSession {
  run(feeds: Record<string, unknown>, fetches?: string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface OrtModule {
  InferenceSession: {
    create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession>;
  };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  env: { versions?: { node?: string } };
}

const require = createRequire(import.meta.url);

/** Loads the package's native binding; throws with the reason when it cannot. */
export function loadOrt(): OrtModule {
  return require(ORT_PACKAGE) as OrtModule;
}

/** Whether onnxruntime-node is installed here (without loading its binding). */
export function ortInstalled(): { ok: true } | { ok: false; reason: string } {
  try {
    require.resolve(ORT_PACKAGE);
    return { ok: true };
  } catch {
    return { ok: false, reason: `${ORT_PACKAGE} is not installed` };
  }
}
