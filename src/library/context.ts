/**
 * What every repository shares: the open database and the managed folders.
 *
 * Managed files live beside the database in library-files/. Paths inside the
 * library folder are stored relative to it, so a library folder can be moved
 * or synced as a whole; anything else (shipped models in resources/, the
 * user's own input photos) is stored as an absolute path.
 */
import type Database from 'better-sqlite3';
import path from 'node:path';

export const MANAGED_KINDS = ['models', 'schedules', 'outputs', 'thumbs', 'inputs'] as const;
export type ManagedKind = (typeof MANAGED_KINDS)[number];

export interface LibraryContext {
  readonly db: Database.Database;
  /** The folder holding the database file. */
  readonly dir: string;
  /** `<dir>/library-files`. */
  readonly filesDir: string;
  /** Absolute folder of each kind of managed file. */
  readonly folders: Readonly<Record<ManagedKind, string>>;
  /** The prepared statement for `text`, compiled once per connection (better-sqlite3 does not cache them). */
  sql(text: string): Database.Statement;
  /** Like sql(), returning only the first column of each row (better-sqlite3's pluck). */
  value(text: string): Database.Statement;
}

export function makeContext(db: Database.Database, dbPath: string): LibraryContext {
  const dir = path.dirname(dbPath);
  const filesDir = path.join(dir, 'library-files');
  const folders = Object.fromEntries(MANAGED_KINDS.map((k) => [k, path.join(filesDir, k)])) as Record<ManagedKind, string>;
  // Two caches: pluck() changes a statement for good, so plucked and whole-row uses must not share one.
  const rows = new Map<string, Database.Statement>();
  const values = new Map<string, Database.Statement>();
  const cached = (cache: Map<string, Database.Statement>, text: string, pluck: boolean) => {
    let statement = cache.get(text);
    if (!statement) {
      statement = db.prepare(text);
      if (pluck) statement.pluck();
      cache.set(text, statement);
    }
    return statement;
  };
  return { db, dir, filesDir, folders, sql: (text) => cached(rows, text, false), value: (text) => cached(values, text, true) };
}

/** The form a path is stored in: relative (with '/') inside the library folder, absolute outside it. */
export function storedPath(ctx: LibraryContext, absolute: string): string {
  const rel = path.relative(ctx.dir, absolute);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  return path.resolve(absolute);
}

export function absolutePath(ctx: LibraryContext, stored: string): string;
export function absolutePath(ctx: LibraryContext, stored: string | null): string | null;
export function absolutePath(ctx: LibraryContext, stored: string | null): string | null {
  if (stored == null) return null;
  return path.isAbsolute(stored) ? stored : path.join(ctx.dir, ...stored.split('/'));
}

/** Whether an absolute path lies inside library-files/ (i.e. the library owns the file). */
export function isManaged(ctx: LibraryContext, absolute: string): boolean {
  const rel = path.relative(ctx.filesDir, absolute);
  return !!rel && !rel.startsWith('..') && !path.isAbsolute(rel);
}
