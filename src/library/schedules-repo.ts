/**
 * Learned schedules (VN step sizes and noise levels for one model, task and
 * level). Their file format belongs to the solver, not the library: a
 * schedule is an opaque file copied into library-files/schedules/<id><ext>
 * before its row is committed and deleted after its row is gone. Shipped
 * schedules (shipped-schedules.ts) are the exception: referenced in
 * resources/schedules where they lie, flagged shipped, never removed here.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GncError, checkInteger, checkNumber, invalidArgument } from '../util/errors.js';
import { absolutePath, isManaged, storedPath, type LibraryContext } from './context.js';
import { copyFileAtomic, ioError, newId, now, removeFileQuietly, sha256File } from './files.js';
import { isPlainObject, optionalObjectColumn, parseColumn, type JsonObject } from './json.js';
import type { ModelsRepo } from './models-repo.js';
import { idsMatching, listForMessage, MIN_PREFIX } from './refs.js';

export const TASKS = ['denoise', 'inpaint'] as const;
export type Task = (typeof TASKS)[number];

export interface ScheduleRow {
  id: string;
  modelId: string;
  task: Task;
  /** σ on the 0–255 scale (denoise) or the missing fraction (inpaint). */
  level: number;
  steps: number;
  filePath: string;
  fileSha256: string;
  figures: JsonObject | null;
  /** Comes with GNC Studio (resources/schedules): not the user's to remove. */
  shipped: boolean;
  createdAt: string;
}

export interface AddScheduleOptions {
  /** Name or id (prefix) of the model the schedule was learned for. */
  model: string;
  task: Task;
  level: number;
  steps: number;
  figures?: JsonObject;
}

interface ScheduleRecord {
  id: string;
  model_id: string;
  task: Task;
  level: number;
  steps: number;
  file_path: string;
  file_sha256: string;
  figures: string | null;
  shipped: number;
  created_at: string;
}

/** The schedule file's extension if it is a plain one (kept so the stored file still says what it is). */
export function scheduleExtension(file: string): string {
  const ext = path.extname(file);
  return /^\.[A-Za-z0-9]{1,10}$/.test(ext) ? ext.toLowerCase() : '';
}

export function checkScheduleFields(o: { task: unknown; level: unknown; steps: unknown }): void {
  if (!TASKS.includes(o.task as Task)) throw invalidArgument('task', `one of ${TASKS.join(', ')}`, o.task);
  if (o.task === 'denoise') checkNumber('level (σ on the 0–255 scale)', o.level, 0, 255);
  else checkNumber('level (missing fraction)', o.level, 0, 1);
  checkInteger('steps', o.steps, 1, 100_000);
}

export class SchedulesRepo {
  constructor(
    private readonly ctx: LibraryContext,
    private readonly models: ModelsRepo,
  ) {}

  private toRow(r: ScheduleRecord): ScheduleRow {
    return {
      id: r.id,
      modelId: r.model_id,
      task: r.task,
      level: r.level,
      steps: r.steps,
      filePath: absolutePath(this.ctx, r.file_path),
      fileSha256: r.file_sha256,
      figures: parseColumn(`schedules row ${r.id} column figures`, r.figures, isPlainObject, 'a JSON object'),
      shipped: r.shipped === 1,
      createdAt: r.created_at,
    };
  }

  byId(id: string): ScheduleRow | undefined {
    const r = this.ctx.sql('SELECT * FROM schedules WHERE id = ?').get(id) as ScheduleRecord | undefined;
    return r && this.toRow(r);
  }

  find(ref: string): ScheduleRow | undefined {
    const ids = idsMatching(this.ctx, 'schedules', ref);
    if (ids.length > 1) throw new GncError('not-found', `Schedule reference ${JSON.stringify(ref)} is ambiguous: it starts ${listForMessage(ids)}. Type more of the id.`);
    return ids.length ? this.byId(ids[0]!) : undefined;
  }

  get(ref: string): ScheduleRow {
    const row = this.find(ref);
    if (!row) throw new GncError('not-found', `No schedule with id ${JSON.stringify(ref)} (expected a full id or a unique prefix of at least ${MIN_PREFIX} hex characters)`);
    return row;
  }

  list(options: { modelId?: string; task?: Task } = {}): ScheduleRow[] {
    const rows = this.ctx.sql(`SELECT * FROM schedules WHERE (@model IS NULL OR model_id = @model) AND (@task IS NULL OR task = @task)
         ORDER BY model_id, task, level, created_at`)
      .all({ model: options.modelId ?? null, task: options.task ?? null }) as ScheduleRecord[];
    return rows.map((r) => this.toRow(r));
  }

  /** Copies the schedule file into the library, then commits its row. */
  async add(file: string, options: AddScheduleOptions): Promise<ScheduleRow> {
    checkScheduleFields(options);
    const model = this.models.get(options.model);
    const figures = optionalObjectColumn('figures', options.figures);
    try {
      await fs.access(file);
    } catch (err) {
      throw ioError(`read the schedule file ${file}`, err);
    }
    const id = newId();
    const target = path.join(this.ctx.folders.schedules, `${id}${scheduleExtension(file)}`);
    await copyFileAtomic(file, target);
    try {
      const sha = await sha256File(target);
      this.insert({ id, modelId: model.id, task: options.task, level: options.level, steps: options.steps, file: target, sha256: sha, figures });
    } catch (err) {
      removeFileQuietly(target);
      throw err;
    }
    return this.byId(id)!;
  }

  /** Inserts a row for a file already in place (add(), bundle import and shipped-schedule registration). */
  insert(s: {
    id: string;
    modelId: string;
    task: Task;
    level: number;
    steps: number;
    file: string;
    sha256: string;
    figures: string | null;
    shipped?: boolean;
    createdAt?: string;
  }): void {
    this.ctx.sql(`INSERT INTO schedules (id, model_id, task, level, steps, file_path, file_sha256, figures, shipped, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(s.id, s.modelId, s.task, s.level, s.steps, storedPath(this.ctx, s.file), s.sha256, s.figures, s.shipped ? 1 : 0, s.createdAt ?? now());
  }

  /** Ids of the models that have at least one schedule (what method 'vn' needs). */
  modelIds(): Set<string> {
    return new Set(this.ctx.value('SELECT DISTINCT model_id FROM schedules').all() as string[]);
  }

  remove(ref: string): ScheduleRow {
    const row = this.get(ref);
    if (row.shipped) {
      throw new GncError('library', `Schedule ${row.id} (${row.task}, level ${row.level}) is a shipped schedule: it comes with GNC Studio (${row.filePath}) and cannot be removed`);
    }
    this.ctx.sql('DELETE FROM schedules WHERE id = ?').run(row.id);
    if (isManaged(this.ctx, row.filePath)) removeFileQuietly(row.filePath);
    return row;
  }
}
