/**
 * `gnc library check`: finds what crashes, kills and hand edits can leave
 * behind, and with `fix` repairs what can be repaired safely:
 *
 *   stale-run        a run or training run 'running' under a pid that is gone → failed ('interrupted')
 *   missing-file     a row whose file is gone → row dropped (shipped models and schedules excepted:
 *                    they follow resources/ on open); a missing thumbnail or input copy
 *                    only clears that column
 *   checksum         a file whose content no longer matches its row (reported, never "fixed":
 *                    which side is right is the user's call)
 *   orphan-file      a file in library-files/ no row refers to → deleted
 *   temp-file        a leftover temporary file of an atomic write whose writer is gone → deleted
 *   foreign-key      PRAGMA foreign_key_check rows (reported)
 *   integrity        PRAGMA integrity_check failures (reported)
 *   schema           schema_migrations disagrees with PRAGMA user_version (reported)
 *
 * Work in progress is left alone: temporary files whose writer is alive, and
 * outputs of runs that are running under a live pid.
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { absolutePath, isManaged, type LibraryContext } from './context.js';
import { markerPath } from './folder-claim.js';
import { isPidAlive, now, removeFileQuietly, sha256File, sha256FileSync, temporaryFileWriter } from './files.js';

export type ProblemKind = 'stale-run' | 'missing-file' | 'checksum' | 'orphan-file' | 'temp-file' | 'foreign-key' | 'integrity' | 'schema';

export interface Problem {
  kind: ProblemKind;
  /** The row or file concerned. */
  what: string;
  detail: string;
  fixed: boolean;
}

interface FileRef {
  /** e.g. "model grey-l1-dsm (3f2a9c01ab34)". */
  owner: string;
  table: 'models' | 'schedules' | 'runs';
  id: string;
  column: 'file_path' | 'output_path' | 'thumb_path' | 'input_path';
  stored: string;
  sha256: string | null;
  /** Shipped models and schedules are not the library's to drop: they follow resources/ on open. */
  shipped: boolean;
}

function fileRefs(ctx: LibraryContext): FileRef[] {
  const refs: FileRef[] = [];
  for (const m of ctx.sql('SELECT id, name, file_path, file_sha256, shipped FROM models').all() as Array<{ id: string; name: string; file_path: string; file_sha256: string; shipped: number }>) {
    refs.push({ owner: `model ${m.name} (${m.id.slice(0, 12)})`, table: 'models', id: m.id, column: 'file_path', stored: m.file_path, sha256: m.file_sha256, shipped: m.shipped === 1 });
  }
  for (const s of ctx.sql('SELECT id, file_path, file_sha256, shipped FROM schedules').all() as Array<{ id: string; file_path: string; file_sha256: string; shipped: number }>) {
    refs.push({ owner: `schedule ${s.id}`, table: 'schedules', id: s.id, column: 'file_path', stored: s.file_path, sha256: s.file_sha256, shipped: s.shipped === 1 });
  }
  const runs = ctx.sql('SELECT id, output_path, output_sha256, thumb_path, input_path, input_sha256 FROM runs').all() as Array<{
    id: string;
    output_path: string | null;
    output_sha256: string | null;
    thumb_path: string | null;
    input_path: string | null;
    input_sha256: string | null;
  }>;
  for (const r of runs) {
    if (r.output_path) refs.push({ owner: `run ${r.id} output`, table: 'runs', id: r.id, column: 'output_path', stored: r.output_path, sha256: r.output_sha256, shipped: false });
    if (r.thumb_path) refs.push({ owner: `run ${r.id} thumbnail`, table: 'runs', id: r.id, column: 'thumb_path', stored: r.thumb_path, sha256: null, shipped: false });
    // Only copies inside the library are the library's business; the user's own photo may move freely.
    if (r.input_path && isManaged(ctx, absolutePath(ctx, r.input_path))) {
      refs.push({ owner: `run ${r.id} input copy`, table: 'runs', id: r.id, column: 'input_path', stored: r.input_path, sha256: r.input_sha256, shipped: false });
    }
  }
  return refs;
}

function staleRuns(ctx: LibraryContext, fix: boolean): Problem[] {
  const problems: Problem[] = [];
  for (const table of ['runs', 'training_runs'] as const) {
    const label = table === 'runs' ? 'run' : 'training run';
    const rows = ctx.sql(`SELECT id, pid FROM ${table} WHERE status = 'running'`).all() as Array<{ id: string; pid: number | null }>;
    for (const r of rows) {
      if (r.pid != null && isPidAlive(r.pid)) continue;
      let fixed = false;
      if (fix) {
        fixed =
          ctx.sql(`UPDATE ${table} SET status = 'failed', error_message = 'interrupted', error_kind = 'interrupted', finished_at = ? WHERE id = ? AND status = 'running'`)
            .run(now(), r.id).changes === 1;
      }
      problems.push({
        kind: 'stale-run',
        what: `${label} ${r.id}`,
        detail: `is marked running but its process ${r.pid ?? '(unknown pid)'} is gone: it was interrupted${fixed ? '; marked failed' : ''}`,
        fixed,
      });
    }
  }
  return problems;
}

async function fileProblems(ctx: LibraryContext, fix: boolean): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const ref of fileRefs(ctx)) {
    const file = absolutePath(ctx, ref.stored);
    const actual = await contentHash(file, ref.sha256 !== null);
    if (actual === undefined) {
      let fixed = false;
      if (fix && !ref.shipped) {
        if (ref.column === 'thumb_path' || ref.column === 'input_path') {
          // The run itself is intact (its input checksum stays); only the convenience copy is gone.
          fixed = ctx.sql(`UPDATE runs SET ${ref.column} = NULL WHERE id = ?`).run(ref.id).changes === 1;
        } else {
          fixed = ctx.sql(`DELETE FROM ${ref.table} WHERE id = ?`).run(ref.id).changes === 1;
        }
      }
      const action = ref.column === 'thumb_path' || ref.column === 'input_path' ? 'reference cleared' : 'row removed';
      problems.push({
        kind: 'missing-file',
        what: ref.owner,
        detail: `${file} does not exist${ref.shipped ? ` (a shipped ${ref.table === 'models' ? 'model' : 'schedule'}: reinstall GNC Studio)` : fixed ? `; ${action}` : ''}`,
        fixed,
      });
      continue;
    }
    if (ref.sha256 && actual !== ref.sha256) {
      problems.push({ kind: 'checksum', what: ref.owner, detail: `${file} has sha256 ${actual} but the library recorded ${ref.sha256}: the file was changed or is corrupt`, fixed: false });
    }
  }
  return problems;
}

/**
 * The file's sha256 (or null when `hash` is false), undefined when it does not
 * exist. Small files are read synchronously: a check touches every file in the
 * library, and for small files the thread-pool round trips of async reads cost
 * more than the reading.
 */
async function contentHash(file: string, hash: boolean): Promise<string | null | undefined> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return undefined;
  }
  if (!hash) return null;
  return size <= SYNC_HASH_BYTES ? sha256FileSync(file) : sha256File(file);
}

const SYNC_HASH_BYTES = 4 * 1024 * 1024;

function walk(dir: string, out: string[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // vanished while we looked: someone else's cleanup
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full, out);
    else out.push(full);
  }
}

function strayFiles(ctx: LibraryContext, fix: boolean): Problem[] {
  const referenced = new Set(fileRefs(ctx).map((r) => path.resolve(absolutePath(ctx, r.stored))));
  referenced.add(path.resolve(markerPath(ctx)));
  // Outputs a live job is moving into place right now (renamed, row not yet committed).
  const busy = (ctx.sql(`SELECT id, pid FROM runs WHERE status = 'running' AND pid IS NOT NULL`).all() as Array<{ id: string; pid: number }>)
    .filter((r) => isPidAlive(r.pid))
    .map((r) => `${r.id}-`);
  const files: string[] = [];
  walk(ctx.filesDir, files);
  const problems: Problem[] = [];
  for (const file of files) {
    if (referenced.has(path.resolve(file))) continue;
    const name = path.basename(file);
    const writer = temporaryFileWriter(name);
    if (writer !== null) {
      if (isPidAlive(writer)) continue;
      if (fix) removeFileQuietly(file);
      problems.push({ kind: 'temp-file', what: file, detail: `temporary file left by process ${writer}, which is gone${fix ? '; deleted' : ''}`, fixed: fix });
      continue;
    }
    if (busy.some((prefix) => name.startsWith(prefix))) continue;
    if (fix) removeFileQuietly(file);
    problems.push({ kind: 'orphan-file', what: file, detail: `no library row refers to this file${fix ? '; deleted' : ''}`, fixed: fix });
  }
  return problems;
}

function databaseProblems(ctx: LibraryContext): Problem[] {
  const problems: Problem[] = [];
  const integrity = ctx.db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  for (const r of integrity) {
    if (r.integrity_check !== 'ok') problems.push({ kind: 'integrity', what: 'database', detail: r.integrity_check, fixed: false });
  }
  const fk = ctx.db.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string; fkid: number }>;
  for (const r of fk) {
    problems.push({ kind: 'foreign-key', what: `${r.table} rowid ${r.rowid}`, detail: `refers to a missing row of ${r.parent}`, fixed: false });
  }
  const version = ctx.db.pragma('user_version', { simple: true }) as number;
  const recorded = ctx.value('SELECT max(version) FROM schema_migrations').get() as number | null;
  if (recorded !== version) {
    problems.push({ kind: 'schema', what: 'database', detail: `PRAGMA user_version is ${version} but schema_migrations records version ${recorded ?? '(none)'}`, fixed: false });
  }
  return problems;
}

/** Checks (and with `fix`, repairs) the library. An empty list means all is well. */
export async function checkLibrary(ctx: LibraryContext, options: { fix?: boolean } = {}): Promise<Problem[]> {
  const fix = options.fix ?? false;
  // Order matters: stale runs first (their half-moved outputs then count as orphans),
  // then rows whose files are gone, then files no row refers to any more.
  const problems = [...databaseProblems(ctx), ...staleRuns(ctx, fix)];
  problems.push(...(await fileProblems(ctx, fix)));
  problems.push(...strayFiles(ctx, fix));
  return problems;
}
