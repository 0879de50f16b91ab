/**
 * The model file format (`.gncm`), version 1:
 *
 *   bytes 0..7    ASCII magic "GNCMODEL"
 *   bytes 8..11   uint32 LE format version
 *   bytes 12..15  uint32 LE byte length H of the header
 *   next H bytes  UTF-8 JSON header (architecture, tensor table, checksum, metadata)
 *   the rest      float32 LE weights, tensors in header order, back to back
 *
 * The header's `id` is the model's identity: a SHA-256 over the canonical
 * architecture JSON and the weight bytes only, so metadata added later
 * (figures, notes) never changes what refers to the model (design.md).
 * Loading validates everything and names the first problem it finds.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { GncError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { canonicalJson, modelIdentityOf } from './model-identity.js';
import { checkArchitecture, parameterShapes, type FoEArchitecture, type FoEParameters } from './foe.js';

export const MODEL_MAGIC = 'GNCMODEL';
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_EXTENSION = '.gncm';
const PREAMBLE = 16;
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

interface TensorEntry {
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

function tensorList(arch: FoEArchitecture, params: FoEParameters): Array<{ name: string; shape: number[]; data: Float32Array }> {
  const shapes = parameterShapes(arch);
  return [
    ...params.kernels.map((data, l) => ({ name: `layers.${l}.kernel`, shape: shapes.kernels[l]!, data })),
    ...params.splines.map((data, l) => ({ name: `layers.${l}.spline`, shape: shapes.splines[l]!, data })),
  ];
}

function weightBytes(tensors: Array<{ data: Float32Array }>): Buffer {
  const total = tensors.reduce((n, t) => n + t.data.length, 0);
  const buf = Buffer.alloc(total * 4);
  let at = 0;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, at += 4) buf.writeFloatLE(t.data[i]!, at);
  }
  return buf;
}

export function modelIdentity(arch: FoEArchitecture, weights: Uint8Array): string {
  return modelIdentityOf(arch, weights);
}

export function encodeModel(arch: FoEArchitecture, params: FoEParameters, metadata: ModelMetadata): Buffer {
  checkArchitecture(arch);
  const tensors = tensorList(arch, params);
  let offset = 0;
  const table: TensorEntry[] = tensors.map((t) => {
    const want = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== want) {
      throw new GncError('invalid-model', `Cannot save ${t.name}: expected ${t.shape.join('×')} = ${want} values but have ${t.data.length}`);
    }
    const entry = { name: t.name, shape: t.shape, offset, length: want };
    offset += want;
    return entry;
  });
  const weights = weightBytes(tensors);
  const header: ModelHeader = {
    format: 'gnc-studio/model',
    version: MODEL_FORMAT_VERSION,
    id: modelIdentity(arch, weights),
    architecture: arch,
    tensors: table,
    weights: { bytes: weights.length, sha256: createHash('sha256').update(weights).digest('hex') },
    metadata: { created: new Date().toISOString(), ...metadata },
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pre = Buffer.alloc(PREAMBLE);
  pre.write(MODEL_MAGIC, 0, 'ascii');
  pre.writeUInt32LE(MODEL_FORMAT_VERSION, 8);
  pre.writeUInt32LE(json.length, 12);
  return Buffer.concat([pre, json, weights]);
}

export function decodeModel(bytes: Uint8Array, source = 'model'): LoadedModel {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string) => new GncError('invalid-model', `${source}: ${what}`);
  if (buf.length < PREAMBLE) throw fail(`truncated: ${buf.length} bytes is shorter than the ${PREAMBLE}-byte preamble`);
  if (buf.toString('ascii', 0, 8) !== MODEL_MAGIC) {
    throw fail(`not a GNC Studio model (expected the magic "${MODEL_MAGIC}" at the start)`);
  }
  const version = buf.readUInt32LE(8);
  if (version !== MODEL_FORMAT_VERSION) {
    throw fail(`unsupported format version ${version} (this build reads version ${MODEL_FORMAT_VERSION})`);
  }
  const headerBytes = buf.readUInt32LE(12);
  if (headerBytes > MAX_HEADER_BYTES) throw fail(`header length ${headerBytes} is implausible (limit ${MAX_HEADER_BYTES})`);
  if (PREAMBLE + headerBytes > buf.length) {
    throw fail(`truncated: the header needs ${headerBytes} bytes but only ${buf.length - PREAMBLE} follow the preamble`);
  }
  let header: ModelHeader;
  try {
    header = JSON.parse(buf.toString('utf8', PREAMBLE, PREAMBLE + headerBytes)) as ModelHeader;
  } catch (err) {
    throw fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (header?.format !== 'gnc-studio/model') throw fail(`header format is ${JSON.stringify(header?.format)}, expected "gnc-studio/model"`);
  checkArchitecture(header.architecture, `${source}: architecture`);
  const shapes = parameterShapes(header.architecture);
  const expected = [
    ...shapes.kernels.map((shape, l) => ({ name: `layers.${l}.kernel`, shape })),
    ...shapes.splines.map((shape, l) => ({ name: `layers.${l}.spline`, shape })),
  ];
  if (!Array.isArray(header.tensors) || header.tensors.length !== expected.length) {
    throw fail(`expected ${expected.length} tensors for a ${header.architecture.layers.length}-layer prior but the header lists ${header.tensors?.length}`);
  }
  const weights = buf.subarray(PREAMBLE + headerBytes);
  if (weights.length !== header.weights?.bytes) {
    throw fail(`truncated or padded: expected ${header.weights?.bytes} bytes of weights but found ${weights.length}`);
  }
  const sha = createHash('sha256').update(weights).digest('hex');
  if (sha !== header.weights.sha256) throw fail('weights checksum mismatch: the file is corrupt');
  const read = (i: number): Float32Array => {
    const entry = header.tensors[i]!;
    const want = expected[i]!;
    if (entry.name !== want.name || canonicalJson(entry.shape) !== canonicalJson(want.shape)) {
      throw fail(`tensor ${i} is ${entry.name} ${JSON.stringify(entry.shape)} but the architecture needs ${want.name} ${JSON.stringify(want.shape)}`);
    }
    const length = want.shape.reduce((a, b) => a * b, 1);
    if (entry.length !== length || entry.offset < 0 || (entry.offset + length) * 4 > weights.length) {
      throw fail(`tensor ${entry.name} lies outside the weight block`);
    }
    const out = new Float32Array(length);
    for (let k = 0; k < length; k++) out[k] = weights.readFloatLE((entry.offset + k) * 4);
    if (!out.every(Number.isFinite)) throw fail(`tensor ${entry.name} holds non-finite values`);
    return out;
  };
  const L = header.architecture.layers.length;
  const parameters: FoEParameters = {
    kernels: Array.from({ length: L }, (_, l) => read(l)),
    splines: Array.from({ length: L }, (_, l) => read(L + l)),
  };
  const id = modelIdentity(header.architecture, weights);
  if (id !== header.id) throw fail(`identity mismatch: header says ${header.id} but the content hashes to ${id}`);
  return { header, architecture: header.architecture, parameters, metadata: header.metadata ?? { name: 'unnamed' }, id };
}

export async function saveModel(file: string, arch: FoEArchitecture, params: FoEParameters, metadata: ModelMetadata): Promise<string> {
  const bytes = encodeModel(arch, params, metadata);
  await writeFileAtomic(file, bytes);
  return decodeModel(bytes, file).id;
}

export async function loadModelFile(file: string): Promise<LoadedModel> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GncError('unknown-model', `Model file not found: ${file}`);
    throw new GncError('io', `Could not read model ${file}: ${(err as Error).message}`, { cause: err });
  }
  return decodeModel(bytes, file);
}
