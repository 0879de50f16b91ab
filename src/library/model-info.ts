/**
 * Reads what the library needs from a `.gncm` model file: its identity,
 * architecture and metadata, after checking magic, version, sizes, the
 * weights checksum and the identity itself.
 *
 * Why not prior/model-file.ts's decodeModel: that module pulls in the FoE
 * code and with it tfjs (about a second to load), and the library is opened
 * by every CLI command and by short-lived worker processes that never touch a
 * tensor. The byte layout below must stay identical to model-file.ts (the
 * identity rule is shared through prior/model-identity.ts); tests/library/model-info.test.ts compares both on the
 * shipped models.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GncError } from '../util/errors.js';
import { modelIdentityOf } from '../prior/model-identity.js';
import { isPlainObject, type JsonObject } from './json.js';

const MAGIC = 'GNCMODEL';
const FORMAT_VERSION = 1;
const PREAMBLE = 16;
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

export interface ModelInfo {
  id: string;
  architecture: JsonObject;
  metadata: JsonObject;
  /** sha256 of the whole file (what the library's checksum column holds). */
  fileSha256: string;
  fileBytes: number;
}

/** The identity rule is shared with model-file.ts (prior/model-identity.ts, no tfjs). */
export { modelIdentityOf };

export function readModelInfoBytes(bytes: Uint8Array, source: string): ModelInfo {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string) => new GncError('invalid-model', `${source}: ${what}`);
  if (buf.length < PREAMBLE) throw fail(`truncated: ${buf.length} bytes is shorter than the ${PREAMBLE}-byte preamble of a .gncm model`);
  if (buf.toString('ascii', 0, 8) !== MAGIC) throw fail(`not a GNC Studio model (expected the magic "${MAGIC}" at the start)`);
  const version = buf.readUInt32LE(8);
  if (version !== FORMAT_VERSION) throw fail(`unsupported model format version ${version} (this build reads version ${FORMAT_VERSION})`);
  const headerBytes = buf.readUInt32LE(12);
  if (headerBytes > MAX_HEADER_BYTES || PREAMBLE + headerBytes > buf.length) {
    throw fail(`truncated: the header claims ${headerBytes} bytes but ${buf.length - PREAMBLE} follow the preamble`);
  }
  let header: JsonObject;
  try {
    header = JSON.parse(buf.toString('utf8', PREAMBLE, PREAMBLE + headerBytes)) as JsonObject;
  } catch (err) {
    throw fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(header) || header.format !== 'gnc-studio/model') throw fail('header format is not "gnc-studio/model"');
  if (!isPlainObject(header.architecture)) throw fail('header has no architecture object');
  const declared = header.weights as { bytes?: unknown; sha256?: unknown } | undefined;
  const weights = buf.subarray(PREAMBLE + headerBytes);
  if (weights.length !== declared?.bytes) throw fail(`truncated or padded: expected ${String(declared?.bytes)} bytes of weights but found ${weights.length}`);
  if (createHash('sha256').update(weights).digest('hex') !== declared.sha256) throw fail('weights checksum mismatch: the file is corrupt');
  const id = modelIdentityOf(header.architecture, weights);
  if (id !== header.id) throw fail(`identity mismatch: the header says ${String(header.id)} but the content hashes to ${id}`);
  return {
    id,
    architecture: header.architecture,
    metadata: isPlainObject(header.metadata) ? header.metadata : {},
    fileSha256: createHash('sha256').update(buf).digest('hex'),
    fileBytes: buf.length,
  };
}

export function readModelInfo(file: string): ModelInfo {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GncError('not-found', `Model file not found: ${file}`);
    throw new GncError('io', `Could not read model ${file}: ${(err as Error).message}`, { cause: err });
  }
  return readModelInfoBytes(bytes, file);
}
