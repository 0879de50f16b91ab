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
import { modelIdentityOf } from './model-identity.js';
import { checkArchitecture, parameterShapes, type FoEArchitecture, type FoEParameters } from './foe.js';
import {
  MODEL_FORMAT_VERSION,
  MODEL_MAGIC,
  MODEL_PREAMBLE_BYTES as PREAMBLE,
  decodeModelBytes,
  type LoadedModel,
  type ModelHeader,
  type ModelMetadata,
  type TensorEntry,
} from './model-decode.js';

export { MODEL_FORMAT_VERSION, MODEL_MAGIC };
export type { LoadedModel, ModelHeader, ModelMetadata, SolverDefaults } from './model-decode.js';
export const MODEL_EXTENSION = '.gncm';

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
  return decodeModelBytes(bytes, source, (parts) => {
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part);
    return hash.digest('hex');
  });
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
