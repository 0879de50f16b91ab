/**
 * Applies numbered schema migrations. Each runs in its own IMMEDIATE
 * transaction together with its bookkeeping (PRAGMA user_version and a row in
 * schema_migrations), so a crash leaves the database at the previous version,
 * never between two. Two processes opening a fresh library at once is safe:
 * the version is re-read after the write lock is taken.
 */
import type Database from 'better-sqlite3';
import { GncError } from '../util/errors.js';
import { MIGRATIONS } from './migrations/index.js';

export interface Migration {
  /** 1, 2, 3... with no gaps; PRAGMA user_version holds the last applied. */
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.at(-1)?.version ?? 0;
}

/**
 * Brings the schema up to `upTo` (default: the latest this build knows).
 * Returns the migrations it applied. A database newer than this build is
 * refused rather than guessed at.
 */
export function migrate(db: Database.Database, where: string, options: { upTo?: number; migrations?: readonly Migration[] } = {}): Migration[] {
  const migrations = options.migrations ?? MIGRATIONS;
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration list is out of order: entry ${i} is version ${m.version}, expected ${i + 1}`);
  });
  const known = latestVersion(migrations);
  const target = options.upTo ?? known;
  const current = schemaVersion(db);
  if (current > known) {
    throw new GncError(
      'library',
      `The library ${where} has schema version ${current}, but this build of GNC Studio knows versions up to ${known}: ` +
        'it was written by a newer GNC Studio. Update GNC Studio, or point GNC_LIBRARY / --library at another library.',
    );
  }
  const applied: Migration[] = [];
  for (const m of migrations) {
    if (m.version > target) break;
    if (m.version <= current) continue;
    const apply = db.transaction(() => {
      // Another process may have applied it between our read and our lock.
      if (schemaVersion(db) >= m.version) return false;
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TEXT NOT NULL
      )`);
      m.up(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      db.pragma(`user_version = ${m.version}`);
      return true;
    });
    try {
      if (apply.immediate()) applied.push(m);
    } catch (err) {
      if (err instanceof GncError) throw err;
      throw new GncError(
        'library',
        `Could not upgrade the library ${where} to schema version ${m.version} (${m.name}): ${(err as Error).message}. ` +
          `It stays at version ${schemaVersion(db)}.`,
        { cause: err },
      );
    }
  }
  return applied;
}
