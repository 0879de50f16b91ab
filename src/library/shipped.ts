/**
 * Keeps the library's shipped-model rows in step with resources/models.
 * Shipped models are referenced where they lie (flag shipped = 1), never
 * copied. A fingerprint of the folder (names, sizes, modification times) is
 * stored in library_meta so an unchanged install costs one stat per file on
 * open instead of hashing every model.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { modelsDir } from '../util/paths.js';
import { absolutePath, isManaged, storedPath, type LibraryContext } from './context.js';
import { now, removeFileQuietly } from './files.js';
import { readModelInfo, type ModelInfo } from './model-info.js';
import { trainingFacts, type ModelsRepo } from './models-repo.js';

const META_KEY = 'shipped-models';

/**
 * The shipped model files (NAME.gncm in resources/models). The same listing as
 * prior/registry.ts's shippedModels(), repeated here because importing the
 * registry loads tfjs through prior/model-file.ts.
 */
export function shippedModelFiles(dir: string = modelsDir()): Array<{ name: string; path: string }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.gncm'))
    .sort()
    .map((f) => ({ name: f.slice(0, -'.gncm'.length), path: path.join(dir, f) }));
}

export interface ShippedSync {
  added: string[];
  updated: string[];
  removed: string[];
}

export function registerShippedModels(ctx: LibraryContext, models: ModelsRepo, dir: string = modelsDir()): ShippedSync {
  const result: ShippedSync = { added: [], updated: [], removed: [] };
  const files = shippedModelFiles(dir);
  const fingerprint = JSON.stringify(
    files.map((f) => {
      const st = statSync(f.path);
      return [f.name, path.resolve(f.path), st.size, st.mtimeMs];
    }),
  );
  const db = ctx.db;
  const stored = () => ctx.value('SELECT value FROM library_meta WHERE key = ?').get(META_KEY) as string | undefined;
  if (stored() === fingerprint) return result;
  // Read (and verify) outside the write lock; a broken file is skipped, not fatal, so one bad
  // install file cannot make the whole library unusable. `gnc models` reports it.
  const infos: Array<{ name: string; path: string; info: ModelInfo }> = [];
  for (const f of files) {
    try {
      infos.push({ ...f, info: readModelInfo(f.path) });
    } catch {
      /* skipped: see above */
    }
  }
  const orphaned = db.transaction((): string[] => {
    if (stored() === fingerprint) return [];
    const scheduleFiles: string[] = [];
    const current = new Set(infos.map((s) => s.info.id));
    const shippedRows = ctx.sql('SELECT id, name FROM models WHERE shipped = 1').all() as Array<{ id: string; name: string }>;
    // Gone from the install (or replaced by new weights): their file no longer exists where the row points.
    for (const r of shippedRows) {
      if (current.has(r.id)) continue;
      scheduleFiles.push(...(ctx.value('SELECT file_path FROM schedules WHERE model_id = ?').all(r.id) as string[]));
      ctx.sql('DELETE FROM models WHERE id = ?').run(r.id);
      result.removed.push(r.name);
    }
    for (const s of infos) {
      const row = ctx.sql('SELECT shipped, file_path, file_sha256 FROM models WHERE id = ?').get(s.info.id) as
        | { shipped: number; file_path: string; file_sha256: string }
        | undefined;
      const file = storedPath(ctx, s.path);
      if (!row) {
        // Named after the file, as prior/registry.ts names it. A user model already holding
        // that name keeps it; the shipped one then gets a suffix.
        models.insert(s.info, s.path, { baseName: s.name, tags: [], notes: '', shipped: true });
        result.added.push(s.name);
      } else if (row.shipped === 1 && (row.file_path !== file || row.file_sha256 !== s.info.fileSha256)) {
        // Same weights, new place or new metadata bytes (the app moved or was reinstalled).
        const facts = trainingFacts(s.info.metadata);
        ctx.sql(`UPDATE models SET file_path = ?, file_sha256 = ?, file_bytes = ?, description = ?, training_data = ?,
             settings = ?, iterations = ?, validation = ?, updated_at = ? WHERE id = ?`).run(
          file,
          s.info.fileSha256,
          s.info.fileBytes,
          facts.description,
          facts.trainingData,
          facts.settings && JSON.stringify(facts.settings),
          facts.iterations,
          facts.validation && JSON.stringify(facts.validation),
          now(),
          s.info.id,
        );
        result.updated.push(s.name);
      }
      // A user copy of the same weights (shipped = 0) stays as the user added it.
    }
    ctx.sql('INSERT INTO library_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(META_KEY, fingerprint);
    return scheduleFiles;
  }).immediate();
  // Schedules of a removed shipped model went with it (ON DELETE CASCADE); their files go after the commit.
  for (const f of orphaned) {
    const abs = absolutePath(ctx, f);
    if (isManaged(ctx, abs)) removeFileQuietly(abs);
  }
  return result;
}
