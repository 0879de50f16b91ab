/**
 * One library-files/ folder belongs to one database. Two library files in one
 * folder (say `--library a.sqlite` and `--library b.sqlite`) would otherwise
 * share it, and checking one would delete the other's files as orphans. The
 * database holds a random library id; the folder holds a marker naming it.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../util/atomic.js';
import { GncError } from '../util/errors.js';
import type { LibraryContext } from './context.js';

/** The marker's name inside library-files/ (never taken for an orphan by checkLibrary). */
export const MARKER = '.library-id';
const META_KEY = 'library-id';

export function markerPath(ctx: LibraryContext): string {
  return path.join(ctx.filesDir, MARKER);
}

/** Gives the database an id if it has none, and claims library-files/ for it (or finds it claimed by another). */
export function claimFilesFolder(ctx: LibraryContext, dbPath: string): string {
  const id = ctx.db
    .transaction(() => {
      const existing = ctx.value('SELECT value FROM library_meta WHERE key = ?').get(META_KEY) as string | undefined;
      if (existing) return existing;
      const fresh = randomUUID();
      ctx.sql('INSERT INTO library_meta (key, value) VALUES (?, ?)').run(META_KEY, fresh);
      return fresh;
    })
    .immediate();
  const marker = markerPath(ctx);
  let owner: string | undefined;
  try {
    owner = readFileSync(marker, 'utf8').trim();
  } catch {
    owner = undefined;
  }
  if (owner === undefined) writeFileAtomicSync(marker, `${id}\n`);
  else if (owner !== id) {
    throw new GncError(
      'library',
      `${ctx.filesDir} belongs to another library (id ${owner}), not to ${dbPath} (id ${id}). ` +
        'Keep each library file in a folder of its own; if that folder really belongs to this database, delete ' +
        `${marker} and run \`gnc library check\`.`,
    );
  }
  return id;
}
