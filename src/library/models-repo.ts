/**
 * Models in the library. A model's id is its identity hash (architecture +
 * weights), so adding the same weights twice is a no-op whatever the file is
 * called. Files are copied into library-files/models/<id>.gncm before the row
 * is committed, and deleted only after the row is gone: a crash between the
 * two leaves at most an orphan file, which `checkLibrary` removes.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GncError, invalidArgument } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { absolutePath, isManaged, storedPath, type LibraryContext } from './context.js';
import { ioError, now, removeFileQuietly } from './files.js';
import { isPlainObject, parseColumn, type JsonObject } from './json.js';
import { readModelInfoBytes, type ModelInfo } from './model-info.js';
import { idsMatching, listForMessage, MIN_PREFIX } from './refs.js';

export interface ModelRow {
  /** Identity hash of architecture + weights (64 hex characters). */
  id: string;
  name: string;
  description: string | null;
  architecture: JsonObject;
  /** Absolute path of the .gncm file (in resources/ for shipped models, else in library-files/models/). */
  filePath: string;
  fileSha256: string;
  fileBytes: number;
  /** Shipped with the app: referenced in place, never copied, never removed. */
  shipped: boolean;
  trainingData: string | null;
  settings: JsonObject | null;
  iterations: number | null;
  validation: JsonObject | null;
  tags: string[];
  notes: string;
  createdAt: string;
  updatedAt: string;
}

export interface AddModelOptions {
  /** Defaults to the name in the file's metadata, made unique with a suffix if taken. */
  name?: string;
  tags?: string[];
  notes?: string;
}

export interface AddResult<T> {
  row: T;
  /** false when the library already held it (nothing was changed). */
  added: boolean;
}

interface ModelRecord {
  id: string;
  name: string;
  description: string | null;
  architecture: string;
  file_path: string;
  file_sha256: string;
  file_bytes: number;
  shipped: number;
  training_data: string | null;
  settings: string | null;
  iterations: number | null;
  validation: string | null;
  notes: string;
  created_at: string;
  updated_at: string;
  tags: string;
}

const SELECT = `SELECT m.*, (SELECT json_group_array(tag) FROM (SELECT tag FROM model_tags WHERE model_id = m.id ORDER BY tag)) AS tags FROM models m`;

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** The training facts a .gncm's metadata carries (trained priors record data, settings, iterations, validation). */
export function trainingFacts(metadata: JsonObject): Pick<ModelRow, 'description' | 'trainingData' | 'settings' | 'iterations' | 'validation'> {
  const training = isPlainObject(metadata.training) ? metadata.training : {};
  const data = training.data;
  return {
    description: typeof metadata.description === 'string' ? metadata.description : null,
    trainingData: typeof data === 'string' ? data : data == null ? null : JSON.stringify(data),
    settings: isPlainObject(training.settings) ? training.settings : null,
    iterations: typeof training.iterations === 'number' ? training.iterations : null,
    validation: isPlainObject(training.validation) ? training.validation : null,
  };
}

export function checkTag(tag: unknown): string {
  const t = typeof tag === 'string' ? tag.trim() : '';
  if (!t || t.length > 64 || /[,\s]/.test(t)) throw invalidArgument('tag', 'a word of 1 to 64 characters without spaces or commas', tag);
  return t;
}

export function checkModelName(name: unknown): string {
  const n = typeof name === 'string' ? name.trim() : '';
  if (!n || n.length > 100) throw invalidArgument('model name', 'a name of 1 to 100 characters', name);
  return n;
}

export class ModelsRepo {
  constructor(private readonly ctx: LibraryContext) {}

  private toRow(r: ModelRecord): ModelRow {
    const where = (col: string) => `models row ${r.id.slice(0, 12)} column ${col}`;
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      architecture: parseColumn(where('architecture'), r.architecture, isPlainObject, 'a JSON object')!,
      filePath: absolutePath(this.ctx, r.file_path),
      fileSha256: r.file_sha256,
      fileBytes: r.file_bytes,
      shipped: r.shipped === 1,
      trainingData: r.training_data,
      settings: parseColumn(where('settings'), r.settings, isPlainObject, 'a JSON object'),
      iterations: r.iterations,
      validation: parseColumn(where('validation'), r.validation, isPlainObject, 'a JSON object'),
      tags: parseColumn(where('tags'), r.tags, isStringArray, 'an array of strings') ?? [],
      notes: r.notes,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  byId(id: string): ModelRow | undefined {
    const r = this.ctx.sql(`${SELECT} WHERE m.id = ?`).get(id) as ModelRecord | undefined;
    return r && this.toRow(r);
  }

  byName(name: string): ModelRow | undefined {
    const r = this.ctx.sql(`${SELECT} WHERE m.name = ?`).get(name) as ModelRecord | undefined;
    return r && this.toRow(r);
  }

  /** The model whose id is `ref`, whose name is `ref`, or whose id starts with `ref` (≥ 6 characters, unique). */
  find(ref: string): ModelRow | undefined {
    const ids = idsMatching(this.ctx, 'models', ref);
    if (ids.length === 1 && ids[0] === ref.trim().toLowerCase()) return this.byId(ids[0]!);
    const named = this.byName(ref.trim());
    if (named) return named;
    if (ids.length > 1) {
      const names = ids.map((id) => `${this.byId(id)?.name} (${id.slice(0, 12)})`);
      throw new GncError('unknown-model', `Model reference ${JSON.stringify(ref)} is ambiguous: it is the start of ${ids.length > 10 ? 'more than 10' : ids.length} model ids: ${listForMessage(names)}. Type more of the id.`);
    }
    return ids.length === 1 ? this.byId(ids[0]!) : undefined;
  }

  /** Like find, but an unknown reference is an 'unknown-model' error listing what the library holds. */
  get(ref: string): ModelRow {
    const row = this.find(ref);
    if (row) return row;
    const names = this.ctx.value('SELECT name FROM models ORDER BY name').all() as string[];
    throw new GncError(
      'unknown-model',
      `Unknown model ${JSON.stringify(ref)}: expected a model name, a full id or an id prefix of at least ${MIN_PREFIX} hex characters. ` +
        `The library holds: ${listForMessage(names, 20)}`,
    );
  }

  list(options: { tag?: string; shipped?: boolean } = {}): ModelRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (options.tag !== undefined) {
      where.push('m.id IN (SELECT model_id FROM model_tags WHERE tag = ?)');
      args.push(options.tag);
    }
    if (options.shipped !== undefined) {
      where.push('m.shipped = ?');
      args.push(options.shipped ? 1 : 0);
    }
    const sql = `${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY m.shipped DESC, m.name`;
    return (this.ctx.sql(sql).all(...args) as ModelRecord[]).map((r) => this.toRow(r));
  }

  /** Validates a .gncm file, copies it into the library and registers it. */
  async add(file: string, options: AddModelOptions = {}): Promise<AddResult<ModelRow>> {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch (err) {
      throw ioError(`read the model file ${file}`, err);
    }
    const info = readModelInfoBytes(bytes, file);
    const known = this.byId(info.id);
    if (known) return { row: known, added: false };
    const tags = (options.tags ?? []).map(checkTag);
    const name = options.name === undefined ? undefined : checkModelName(options.name);
    // Store exactly the bytes that were validated, not whatever the source holds by now.
    const target = path.join(this.ctx.folders.models, `${info.id}.gncm`);
    await fs.mkdir(this.ctx.folders.models, { recursive: true });
    await writeFileAtomic(target, bytes);
    try {
      const metaName = typeof info.metadata.name === 'string' && info.metadata.name.trim() ? info.metadata.name : undefined;
      const baseName = metaName ?? path.basename(file, '.gncm');
      const added = this.insert(info, target, { name, baseName, tags, notes: options.notes ?? '', shipped: false });
      return { row: this.byId(info.id)!, added };
    } catch (err) {
      // Nothing refers to the copy (the insert rolled back), and no other row can: the id was not present.
      if (!this.byId(info.id)) removeFileQuietly(target);
      throw err;
    }
  }

  /**
   * Inserts a model row (and its tags) for a file already in place. Returns
   * false if another process registered the same id first. Used by add(),
   * bundle import and shipped-model registration.
   */
  insert(
    info: ModelInfo,
    file: string,
    o: {
      /** Exact name: a clash with another model is an error. */
      name?: string;
      /** Used when `name` is absent; "-2", "-3"... is appended while it is taken. */
      baseName: string;
      tags: string[];
      notes: string;
      shipped: boolean;
      createdAt?: string;
    },
  ): boolean {
    const db = this.ctx.db;
    const facts = trainingFacts(info.metadata);
    return db.transaction(() => {
      if (this.ctx.sql('SELECT 1 FROM models WHERE id = ?').get(info.id)) return false;
      const taken = (n: string) => this.ctx.value('SELECT id FROM models WHERE name = ?').get(n) as string | undefined;
      let name: string;
      if (o.name !== undefined) {
        const other = taken(o.name);
        if (other) {
          throw new GncError('library', `A different model is already named ${JSON.stringify(o.name)} (id ${other.slice(0, 12)}); choose another name`);
        }
        name = o.name;
      } else {
        const base = checkModelName(o.baseName);
        name = base;
        for (let k = 2; taken(name); k++) name = `${base}-${k}`;
      }
      const at = now();
      this.ctx.sql(`INSERT INTO models (id, name, description, architecture, file_path, file_sha256, file_bytes, shipped,
           training_data, settings, iterations, validation, notes, created_at, updated_at)
         VALUES (@id, @name, @description, @architecture, @file_path, @file_sha256, @file_bytes, @shipped,
           @training_data, @settings, @iterations, @validation, @notes, @created_at, @updated_at)`).run({
        id: info.id,
        name,
        description: facts.description,
        architecture: JSON.stringify(info.architecture),
        file_path: storedPath(this.ctx, file),
        file_sha256: info.fileSha256,
        file_bytes: info.fileBytes,
        shipped: o.shipped ? 1 : 0,
        training_data: facts.trainingData,
        settings: facts.settings && JSON.stringify(facts.settings),
        iterations: facts.iterations,
        validation: facts.validation && JSON.stringify(facts.validation),
        notes: o.notes,
        created_at: o.createdAt ?? at,
        updated_at: at,
      });
      const tag = this.ctx.sql('INSERT OR IGNORE INTO model_tags (model_id, tag) VALUES (?, ?)');
      for (const t of o.tags) tag.run(info.id, t);
      return true;
    }).immediate();
  }

  /** Removes a model, its schedules and tags (runs keep their history with model_id cleared). Shipped models are refused. */
  remove(ref: string): ModelRow {
    const row = this.get(ref);
    if (row.shipped) {
      throw new GncError('library', `${row.name} (${row.id.slice(0, 12)}) is a shipped model: it comes with GNC Studio and cannot be removed`);
    }
    const db = this.ctx.db;
    const files = db.transaction(() => {
      const schedules = this.ctx.value('SELECT file_path FROM schedules WHERE model_id = ?').all(row.id) as string[];
      this.ctx.sql('DELETE FROM models WHERE id = ?').run(row.id);
      return [storedPath(this.ctx, row.filePath), ...schedules];
    }).immediate();
    // Files after the rows: a crash here leaves orphans, never rows without files.
    for (const f of files) {
      const abs = absolutePath(this.ctx, f);
      if (isManaged(this.ctx, abs)) removeFileQuietly(abs);
    }
    return row;
  }

  tag(ref: string, add: string[] = [], remove: string[] = []): ModelRow {
    const row = this.get(ref);
    const adding = add.map(checkTag);
    const removing = remove.map(checkTag);
    const db = this.ctx.db;
    db.transaction(() => {
      const ins = this.ctx.sql('INSERT OR IGNORE INTO model_tags (model_id, tag) VALUES (?, ?)');
      const del = this.ctx.sql('DELETE FROM model_tags WHERE model_id = ? AND tag = ?');
      for (const t of removing) del.run(row.id, t);
      for (const t of adding) ins.run(row.id, t);
      this.ctx.sql('UPDATE models SET updated_at = ? WHERE id = ?').run(now(), row.id);
    }).immediate();
    return this.byId(row.id)!;
  }

  setNotes(ref: string, notes: string): ModelRow {
    if (typeof notes !== 'string') throw invalidArgument('notes', 'a string', notes);
    const row = this.get(ref);
    this.ctx.sql('UPDATE models SET notes = ?, updated_at = ? WHERE id = ?').run(notes, now(), row.id);
    return this.byId(row.id)!;
  }

  rename(ref: string, name: string): ModelRow {
    const row = this.get(ref);
    const n = checkModelName(name);
    const other = this.byName(n);
    if (other && other.id !== row.id) throw new GncError('library', `A different model is already named ${JSON.stringify(n)} (id ${other.id.slice(0, 12)}); choose another name`);
    this.ctx.sql('UPDATE models SET name = ?, updated_at = ? WHERE id = ?').run(n, now(), row.id);
    return this.byId(row.id)!;
  }
}
