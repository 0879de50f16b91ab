/**
 * Small app settings kept in the library (table library_meta, keys prefixed
 * "setting:"), so they follow the library rather than a browser's storage:
 * the browser version's origin changes with every port, and the CLI, the
 * browser version and the desktop app share one library.
 */
import type { LibraryContext } from './context.js';

const PREFIX = 'setting:';

export function getSetting(ctx: LibraryContext, key: string): string | undefined {
  return ctx.value('SELECT value FROM library_meta WHERE key = ?').get(`${PREFIX}${key}`) as string | undefined;
}

export function setSetting(ctx: LibraryContext, key: string, value: string): void {
  ctx.sql('INSERT INTO library_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(`${PREFIX}${key}`, value);
}
