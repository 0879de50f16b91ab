/**
 * A model with its learned schedules as one file (`.gncpack`), to share
 * between libraries. Format version 1:
 *
 *   bytes 0..7    ASCII magic "GNCMPACK"
 *   bytes 8..11   uint32 LE format version
 *   bytes 12..15  uint32 LE byte length H of the header
 *   bytes 16..47  sha256 of the header bytes (a flipped header byte is caught before parsing)
 *   next H bytes  UTF-8 JSON header: the model's library fields and one entry per
 *                 embedded file {role, bytes, sha256, ...row fields}
 *   the rest      the entries' bytes, back to back in header order, nothing after
 *
 * Import checks all of it, and that the model file's identity is the one the
 * header claims, before writing anything. Files are written first and rows
 * committed last, in one transaction, as everywhere in the library.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { GncError } from '../util/errors.js';
import type { Library } from './library.js';
import { ioError, removeFileQuietly, sha256 } from './files.js';
import { isPlainObject, type JsonObject } from './json.js';
import { readModelInfoBytes } from './model-info.js';
import type { ModelRow } from './models-repo.js';
import { checkScheduleFields, scheduleExtension, type Task } from './schedules-repo.js';

export const PACK_MAGIC = 'GNCMPACK';
export const PACK_VERSION = 1;
export const PACK_EXTENSION = '.gncpack';
const PREAMBLE = 48;
const MAX_HEADER_BYTES = 4 * 1024 * 1024;

interface ModelEntry {
  role: 'model';
  bytes: number;
  sha256: string;
}

interface ScheduleEntry {
  role: 'schedule';
  bytes: number;
  sha256: string;
  id: string;
  task: Task;
  level: number;
  steps: number;
  figures: JsonObject | null;
  /** File extension the schedule had in the exporting library. */
  ext: string;
  createdAt: string;
}

interface PackHeader {
  format: 'gnc-studio/pack';
  version: number;
  created: string;
  model: { id: string; name: string; tags: string[]; notes: string; createdAt: string };
  entries: Array<ModelEntry | ScheduleEntry>;
}

export interface ExportResult {
  file: string;
  model: ModelRow;
  schedules: number;
  bytes: number;
}

export interface ImportResult {
  model: ModelRow;
  /** false when the library already held this model id: nothing was changed. */
  added: boolean;
  schedules: number;
  message: string;
}

async function readChecked(file: string, expected: string, what: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw ioError(`read ${what} ${file}`, err);
  }
  const actual = sha256(bytes);
  if (actual !== expected) {
    throw new GncError('library', `Cannot export: ${what} ${file} has sha256 ${actual} but the library recorded ${expected}. Run \`gnc library check\`.`);
  }
  return bytes;
}

export async function exportBundle(lib: Library, ref: string, outFile: string): Promise<ExportResult> {
  const model = lib.models.get(ref);
  const schedules = lib.schedules.list({ modelId: model.id });
  const blobs: Buffer[] = [await readChecked(model.filePath, model.fileSha256, `the file of model ${model.name}`)];
  const entries: PackHeader['entries'] = [{ role: 'model', bytes: blobs[0]!.length, sha256: model.fileSha256 }];
  for (const s of schedules) {
    const data = await readChecked(s.filePath, s.fileSha256, `the file of schedule ${s.id}`);
    blobs.push(data);
    entries.push({
      role: 'schedule',
      bytes: data.length,
      sha256: s.fileSha256,
      id: s.id,
      task: s.task,
      level: s.level,
      steps: s.steps,
      figures: s.figures,
      ext: scheduleExtension(s.filePath),
      createdAt: s.createdAt,
    });
  }
  const header: PackHeader = {
    format: 'gnc-studio/pack',
    version: PACK_VERSION,
    created: new Date().toISOString(),
    model: { id: model.id, name: model.name, tags: model.tags, notes: model.notes, createdAt: model.createdAt },
    entries,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pre = Buffer.alloc(PREAMBLE);
  pre.write(PACK_MAGIC, 0, 'ascii');
  pre.writeUInt32LE(PACK_VERSION, 8);
  pre.writeUInt32LE(json.length, 12);
  Buffer.from(sha256(json), 'hex').copy(pre, 16);
  const bytes = Buffer.concat([pre, json, ...blobs]);
  await fs.mkdir(path.dirname(path.resolve(outFile)), { recursive: true });
  await writeFileAtomic(outFile, bytes);
  return { file: path.resolve(outFile), model, schedules: schedules.length, bytes: bytes.length };
}

/** Parses and verifies a bundle completely; every failure names the file and what was wrong. */
export function decodeBundle(bytes: Buffer, source: string): { header: PackHeader; blobs: Buffer[] } {
  const fail = (what: string) => new GncError('library', `${source}: ${what}`);
  if (bytes.length < PREAMBLE) throw fail(`truncated: ${bytes.length} bytes is shorter than the ${PREAMBLE}-byte preamble of a ${PACK_EXTENSION} bundle`);
  if (bytes.toString('latin1', 0, 8) !== PACK_MAGIC) throw fail(`not a GNC Studio model bundle (expected the magic "${PACK_MAGIC}" at the start)`);
  const version = bytes.readUInt32LE(8);
  if (version !== PACK_VERSION) throw fail(`unsupported bundle version ${version} (this build reads version ${PACK_VERSION})`);
  const headerBytes = bytes.readUInt32LE(12);
  if (headerBytes > MAX_HEADER_BYTES || PREAMBLE + headerBytes > bytes.length) {
    throw fail(`truncated or corrupt: the header claims ${headerBytes} bytes but ${bytes.length - PREAMBLE} follow the preamble`);
  }
  const json = bytes.subarray(PREAMBLE, PREAMBLE + headerBytes);
  if (sha256(json) !== bytes.toString('hex', 16, 48)) throw fail('header checksum mismatch: the bundle is corrupt');
  let header: PackHeader;
  try {
    header = JSON.parse(json.toString('utf8')) as PackHeader;
  } catch (err) {
    throw fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(header) || header.format !== 'gnc-studio/pack' || !Array.isArray(header.entries) || !isPlainObject(header.model)) {
    throw fail('header is not a gnc-studio/pack header with a model and a list of entries');
  }
  if (header.entries[0]?.role !== 'model' || header.entries.slice(1).some((e) => e?.role !== 'schedule')) {
    throw fail('expected one model entry followed by schedule entries');
  }
  const total = PREAMBLE + headerBytes + header.entries.reduce((n, e) => n + (Number.isSafeInteger(e.bytes) && e.bytes >= 0 ? e.bytes : NaN), 0);
  if (Number.isNaN(total)) throw fail('an entry has an invalid byte length');
  if (bytes.length < total) throw fail(`truncated: the entries need ${total} bytes but the file has ${bytes.length}`);
  if (bytes.length > total) throw fail(`${bytes.length - total} unexpected bytes after the last entry`);
  const blobs: Buffer[] = [];
  let at = PREAMBLE + headerBytes;
  header.entries.forEach((e, i) => {
    const blob = bytes.subarray(at, at + e.bytes);
    at += e.bytes;
    if (sha256(blob) !== e.sha256) throw fail(`entry ${i} (${e.role}) checksum mismatch: the bundle is corrupt`);
    if (e.role === 'schedule') {
      try {
        checkScheduleFields(e);
      } catch (err) {
        throw fail(`entry ${i} (schedule) is invalid: ${(err as Error).message}`);
      }
      if (!/^[0-9a-f]{16}$/.test(e.id)) throw fail(`entry ${i} (schedule) has an invalid id ${JSON.stringify(e.id)}`);
    }
    blobs.push(blob);
  });
  return { header, blobs };
}

export async function importBundle(lib: Library, file: string): Promise<ImportResult> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw ioError(`read the bundle ${file}`, err);
  }
  const { header, blobs } = decodeBundle(bytes, file);
  const info = readModelInfoBytes(blobs[0]!, `${file} (model entry)`);
  if (info.id !== header.model.id) {
    throw new GncError('library', `${file}: the bundle says it holds model ${header.model.id} but its model file has identity ${info.id}`);
  }
  const present = lib.models.byId(info.id);
  if (present) {
    return { model: present, added: false, schedules: 0, message: `Model ${present.name} (${info.id.slice(0, 12)}) is already in the library; nothing imported` };
  }
  const scheduleEntries = header.entries.slice(1) as ScheduleEntry[];
  const modelFile = path.join(lib.folders.models, `${info.id}.gncm`);
  const scheduleFiles = scheduleEntries.map((e) => path.join(lib.folders.schedules, `${e.id}${/^\.[a-z0-9]{1,10}$/.test(e.ext) ? e.ext : ''}`));
  const written: string[] = [];
  try {
    await writeFileAtomic(modelFile, blobs[0]!);
    written.push(modelFile);
    for (let i = 0; i < scheduleEntries.length; i++) {
      await writeFileAtomic(scheduleFiles[i]!, blobs[i + 1]!);
      written.push(scheduleFiles[i]!);
    }
    const added = lib.db.transaction(() => {
      const tags = Array.isArray(header.model.tags) ? header.model.tags.filter((t) => typeof t === 'string') : [];
      const name = typeof header.model.name === 'string' && header.model.name.trim() ? header.model.name : path.basename(file, PACK_EXTENSION);
      if (!lib.models.insert(info, modelFile, { baseName: name, tags, notes: String(header.model.notes ?? ''), shipped: false, createdAt: header.model.createdAt })) return false;
      scheduleEntries.forEach((e, i) => {
        lib.schedules.insert({
          id: e.id,
          modelId: info.id,
          task: e.task,
          level: e.level,
          steps: e.steps,
          file: scheduleFiles[i]!,
          sha256: e.sha256,
          figures: isPlainObject(e.figures) ? JSON.stringify(e.figures) : null,
          createdAt: e.createdAt,
        });
      });
      return true;
    }).immediate();
    const model = lib.models.byId(info.id)!;
    if (!added) {
      // Keep schedule files only if the other process's rows use them (it imported this same bundle).
      scheduleEntries.forEach((e, i) => {
        if (!lib.schedules.byId(e.id)) removeFileQuietly(scheduleFiles[i]!);
      });
      return { model, added: false, schedules: 0, message: `Model ${model.name} (${info.id.slice(0, 12)}) was added by another process meanwhile; nothing imported` };
    }
    return { model, added: true, schedules: scheduleEntries.length, message: `Imported model ${model.name} (${info.id.slice(0, 12)}) with ${scheduleEntries.length} schedule(s)` };
  } catch (err) {
    // Nothing committed refers to these files unless another process added the same model meanwhile.
    if (!lib.models.byId(info.id)) for (const f of written) removeFileQuietly(f);
    throw err;
  }
}
