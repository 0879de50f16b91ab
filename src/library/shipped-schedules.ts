/**
 * Keeps the library's shipped-schedule rows in step with resources/schedules,
 * as shipped.ts does for models: the `.gncs` files are referenced where they
 * lie (shipped = 1), never copied, and a fingerprint in library_meta makes an
 * unchanged install cost one stat per file on open.
 *
 * A schedule row needs its model's row (foreign key). A schedule whose model
 * is not in the library is skipped, and so is an invalid file: neither may
 * make the library unusable. The fingerprint therefore also covers the
 * library's model ids, so a skipped schedule is registered once its model
 * arrives (a repaired shipped model, or the user adding it).
 *
 * The file is read with vn/schedule-file.ts's checks, which import only
 * util/ and node: no tfjs on the library's open path.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkSchedule, SCHEDULE_EXTENSION, shippedSchedulesDir, type VnSchedule } from '../vn/schedule-file.js';
import { storedPath, type LibraryContext } from './context.js';
import { sha256 } from './files.js';
import { checkScheduleFields, type SchedulesRepo } from './schedules-repo.js';

const META_KEY = 'shipped-schedules';

/** The shipped schedule files (NAME.gncs), sorted by name. */
export function shippedScheduleFiles(dir: string = shippedSchedulesDir()): Array<{ name: string; path: string }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(SCHEDULE_EXTENSION))
    .sort()
    .map((f) => ({ name: f.slice(0, -SCHEDULE_EXTENSION.length), path: path.join(dir, f) }));
}

/**
 * A shipped schedule's row id: derived from its file name (16 hex, like
 * files.ts newId()), so it stays the same when the app is moved or
 * reinstalled and a schedule picked in the app keeps working.
 */
export function shippedScheduleId(name: string): string {
  return createHash('sha256').update(`gnc-studio/shipped-schedule/${name}`).digest('hex').slice(0, 16);
}

export interface ShippedScheduleSync {
  added: string[];
  updated: string[];
  removed: string[];
  /** Files left out, with why (invalid, or their model is not in the library). */
  skipped: Array<{ name: string; reason: string }>;
}

interface ReadSchedule {
  name: string;
  path: string;
  id: string;
  schedule: VnSchedule;
  sha256: string;
}

/** Reads and checks one file; throws naming the file and what is wrong. */
function readShipped(f: { name: string; path: string }): ReadSchedule {
  const bytes = readFileSync(f.path);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new Error(`${f.path} is not JSON (${(err as Error).message}); expected a .gncs schedule`);
  }
  const schedule = checkSchedule(json, f.path);
  checkScheduleFields({ task: schedule.task, level: schedule.level, steps: schedule.sigmas.length });
  return { ...f, id: shippedScheduleId(f.name), schedule, sha256: sha256(bytes) };
}

export function registerShippedSchedules(ctx: LibraryContext, schedules: SchedulesRepo, dir: string = shippedSchedulesDir()): ShippedScheduleSync {
  const result: ShippedScheduleSync = { added: [], updated: [], removed: [], skipped: [] };
  const files = shippedScheduleFiles(dir);
  const fileFacts = files.map((f) => {
    const st = statSync(f.path);
    return [f.name, path.resolve(f.path), st.size, st.mtimeMs];
  });
  const fingerprint = () => JSON.stringify({ files: fileFacts, models: ctx.value('SELECT id FROM models ORDER BY id').all() });
  const stored = () => ctx.value('SELECT value FROM library_meta WHERE key = ?').get(META_KEY) as string | undefined;
  if (stored() === fingerprint()) return result;
  // Read outside the write lock: other processes need not wait for file reads.
  const read: ReadSchedule[] = [];
  for (const f of files) {
    try {
      read.push(readShipped(f));
    } catch (err) {
      result.skipped.push({ name: f.name, reason: (err as Error).message });
    }
  }
  ctx.db
    .transaction(() => {
      const current = fingerprint();
      if (stored() === current) return;
      const models = new Set(ctx.value('SELECT id FROM models').all() as string[]);
      const usable = read.filter((s) => {
        if (models.has(s.schedule.modelId)) return true;
        result.skipped.push({ name: s.name, reason: `its model ${s.schedule.modelName} (${s.schedule.modelId.slice(0, 12)}) is not in the library` });
        return false;
      });
      const wanted = new Set(usable.map((s) => s.id));
      // Gone from the install, or their model is gone: the row no longer describes a usable file.
      for (const r of ctx.sql('SELECT id, file_path FROM schedules WHERE shipped = 1').all() as Array<{ id: string; file_path: string }>) {
        if (wanted.has(r.id)) continue;
        ctx.sql('DELETE FROM schedules WHERE id = ?').run(r.id);
        result.removed.push(path.basename(r.file_path, SCHEDULE_EXTENSION));
      }
      for (const s of usable) {
        const row = ctx.sql('SELECT shipped, file_path, file_sha256, model_id FROM schedules WHERE id = ?').get(s.id) as
          | { shipped: number; file_path: string; file_sha256: string; model_id: string }
          | undefined;
        const fields = { modelId: s.schedule.modelId, task: s.schedule.task, level: s.schedule.level, steps: s.schedule.sigmas.length, figures: s.schedule.figures ? JSON.stringify(s.schedule.figures) : null };
        if (!row) {
          schedules.insert({ id: s.id, ...fields, file: s.path, sha256: s.sha256, shipped: true });
          result.added.push(s.name);
        } else if (row.shipped === 1 && (row.file_path !== storedPath(ctx, s.path) || row.file_sha256 !== s.sha256 || row.model_id !== fields.modelId)) {
          // Moved, reinstalled, or re-learned under the same name.
          ctx.sql('UPDATE schedules SET model_id = ?, task = ?, level = ?, steps = ?, file_path = ?, file_sha256 = ?, figures = ? WHERE id = ?').run(
            fields.modelId,
            fields.task,
            fields.level,
            fields.steps,
            storedPath(ctx, s.path),
            s.sha256,
            fields.figures,
            s.id,
          );
          result.updated.push(s.name);
        }
        // A user copy under the same id (shipped = 0, e.g. from a bundle) stays as the user added it.
      }
      ctx.sql('INSERT INTO library_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(META_KEY, current);
    })
    .immediate();
  return result;
}
