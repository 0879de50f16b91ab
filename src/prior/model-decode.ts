/**
 * Reading a `.gncm` model file (format in model-file.ts) from bytes, with no
 * Node and no tfjs: the engine decodes with it (model-file.ts, hashing with
 * node:crypto) and so does the renderer's WebGPU worker (hashing with
 * WebCrypto), so both check a file the same way and name the same first
 * problem. The checks run in file order: preamble, header, weight block,
 * weights checksum, tensor table and values, identity.
 */
import { GncError } from '../util/errors.js';
import { canonicalJson } from '../util/canonical-json.js';
import { checkArchitecture, parameterShapes, type FoEArchitecture, type FoEParameters } from './foe-architecture.js';

export const MODEL_MAGIC = 'GNCMODEL';
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_PREAMBLE_BYTES = 16;
/** A header larger than this is not a header: protects against absurd allocations. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

/** Settings a model recommends for its solvers; the CLI uses them as defaults. */
export interface SolverDefaults {
  method?: 'gnc' | 'joint';
  steps?: number;
  /** σ values on the [0, 1] scale. */
  sigma0?: number;
  sigmaMin?: number;
  schedule?: 'linear' | 'log';
  stepScale?: number;
  /** Joint optimisation: step in t, τ_t. */
  tStep?: number;
}

export interface ModelMetadata {
  name: string;
  description?: string;
  /** How the weights came to be: data, settings, iterations, validation figures. */
  training?: Record<string, unknown>;
  defaults?: { denoise?: SolverDefaults; inpaint?: SolverDefaults };
  created?: string;
  [key: string]: unknown;
}

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset and length in float32 elements within the weight block. */
  offset: number;
  length: number;
}

export interface ModelHeader {
  format: 'gnc-studio/model';
  version: number;
  id: string;
  architecture: FoEArchitecture;
  tensors: TensorEntry[];
  weights: { bytes: number; sha256: string };
  metadata: ModelMetadata;
}

export interface LoadedModel {
  header: ModelHeader;
  architecture: FoEArchitecture;
  parameters: FoEParameters;
  metadata: ModelMetadata;
  id: string;
}

/** Hex SHA-256 of the concatenation of `parts`. */
export type Sha256 = (parts: Uint8Array[]) => string;
export type Sha256Async = (parts: Uint8Array[]) => Promise<string>;

interface Frame {
  header: ModelHeader;
  weights: Uint8Array;
}

const fail = (source: string, what: string) => new GncError('invalid-model', `${source}: ${what}`);

/** Preamble, header and weight block; everything that can be checked before hashing. */
function readFrame(bytes: Uint8Array, source: string): Frame {
  if (bytes.length < MODEL_PREAMBLE_BYTES) throw fail(source, `truncated: ${bytes.length} bytes is shorter than the ${MODEL_PREAMBLE_BYTES}-byte preamble`);
  if (String.fromCharCode(...bytes.subarray(0, 8)) !== MODEL_MAGIC) {
    throw fail(source, `not a GNC Studio model (expected the magic "${MODEL_MAGIC}" at the start)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== MODEL_FORMAT_VERSION) {
    throw fail(source, `unsupported format version ${version} (this build reads version ${MODEL_FORMAT_VERSION})`);
  }
  const headerBytes = view.getUint32(12, true);
  if (headerBytes > MAX_HEADER_BYTES) throw fail(source, `header length ${headerBytes} is implausible (limit ${MAX_HEADER_BYTES})`);
  if (MODEL_PREAMBLE_BYTES + headerBytes > bytes.length) {
    throw fail(source, `truncated: the header needs ${headerBytes} bytes but only ${bytes.length - MODEL_PREAMBLE_BYTES} follow the preamble`);
  }
  let header: ModelHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MODEL_PREAMBLE_BYTES, MODEL_PREAMBLE_BYTES + headerBytes))) as ModelHeader;
  } catch (err) {
    throw fail(source, `header is not valid JSON (${(err as Error).message})`);
  }
  if (header?.format !== 'gnc-studio/model') throw fail(source, `header format is ${JSON.stringify(header?.format)}, expected "gnc-studio/model"`);
  checkArchitecture(header.architecture, `${source}: architecture`);
  const L = header.architecture.layers.length;
  if (!Array.isArray(header.tensors) || header.tensors.length !== 2 * L) {
    throw fail(source, `expected ${2 * L} tensors for a ${L}-layer prior but the header lists ${header.tensors?.length}`);
  }
  const weights = bytes.subarray(MODEL_PREAMBLE_BYTES + headerBytes);
  if (weights.length !== header.weights?.bytes) {
    throw fail(source, `truncated or padded: expected ${header.weights?.bytes} bytes of weights but found ${weights.length}`);
  }
  return { header, weights };
}

/** The tensor table checked against the architecture, and the float32 LE values read out. */
function readTensors({ header, weights }: Frame, source: string): FoEParameters {
  const shapes = parameterShapes(header.architecture);
  const expected = [
    ...shapes.kernels.map((shape, l) => ({ name: `layers.${l}.kernel`, shape })),
    ...shapes.splines.map((shape, l) => ({ name: `layers.${l}.spline`, shape })),
  ];
  const view = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  const read = (i: number): Float32Array => {
    const entry = header.tensors[i]!;
    const want = expected[i]!;
    if (entry.name !== want.name || canonicalJson(entry.shape) !== canonicalJson(want.shape)) {
      throw fail(source, `tensor ${i} is ${entry.name} ${JSON.stringify(entry.shape)} but the architecture needs ${want.name} ${JSON.stringify(want.shape)}`);
    }
    const length = want.shape.reduce((a, b) => a * b, 1);
    if (entry.length !== length || entry.offset < 0 || (entry.offset + length) * 4 > weights.length) {
      throw fail(source, `tensor ${entry.name} lies outside the weight block`);
    }
    const out = new Float32Array(length);
    for (let k = 0; k < length; k++) out[k] = view.getFloat32((entry.offset + k) * 4, true);
    if (!out.every(Number.isFinite)) throw fail(source, `tensor ${entry.name} holds non-finite values`);
    return out;
  };
  const L = header.architecture.layers.length;
  return {
    kernels: Array.from({ length: L }, (_, l) => read(l)),
    splines: Array.from({ length: L }, (_, l) => read(L + l)),
  };
}

/** What the identity hashes: the canonical architecture JSON, a NUL byte, the weight bytes (as model-identity.ts). */
export function identityParts(architecture: unknown, weights: Uint8Array): Uint8Array[] {
  return [new TextEncoder().encode(canonicalJson(architecture)), new Uint8Array([0]), weights];
}

function checkChecksum(frame: Frame, source: string, sha: string): void {
  if (sha !== frame.header.weights.sha256) throw fail(source, 'weights checksum mismatch: the file is corrupt');
}

function finish(frame: Frame, parameters: FoEParameters, source: string, id: string): LoadedModel {
  const { header } = frame;
  if (id !== header.id) throw fail(source, `identity mismatch: header says ${header.id} but the content hashes to ${id}`);
  return { header, architecture: header.architecture, parameters, metadata: header.metadata ?? { name: 'unnamed' }, id };
}

/** Decodes and fully validates a model with a synchronous SHA-256 (node:crypto in the engine). */
export function decodeModelBytes(bytes: Uint8Array, source: string, sha256: Sha256): LoadedModel {
  const frame = readFrame(bytes, source);
  checkChecksum(frame, source, sha256([frame.weights]));
  const parameters = readTensors(frame, source);
  return finish(frame, parameters, source, sha256(identityParts(frame.header.architecture, frame.weights)));
}

/** The same with an asynchronous SHA-256 (WebCrypto's `crypto.subtle.digest` in a browser). */
export async function decodeModelBytesAsync(bytes: Uint8Array, source: string, sha256: Sha256Async): Promise<LoadedModel> {
  const frame = readFrame(bytes, source);
  checkChecksum(frame, source, await sha256([frame.weights]));
  const parameters = readTensors(frame, source);
  return finish(frame, parameters, source, await sha256(identityParts(frame.header.architecture, frame.weights)));
}

/** SHA-256 through WebCrypto (browsers, workers in a secure context, Node ≥ 20), as hex. */
export async function webCryptoSha256(parts: Uint8Array[]): Promise<string> {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  const subtle = (globalThis as { crypto?: { subtle?: { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> } } }).crypto?.subtle;
  if (!subtle) throw new GncError('backend', 'SHA-256 needs WebCrypto (crypto.subtle), which this context lacks (it is only offered to secure contexts)');
  const digest = new Uint8Array(await subtle.digest('SHA-256', joined));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
