/**
 * How users point at rows: the full id, or a unique prefix of at least
 * MIN_PREFIX hex characters (like git), so ids can be shortened in tables and
 * typed back. Models can also be named (see models-repo.ts).
 */
import type { LibraryContext } from './context.js';

export const MIN_PREFIX = 6;

const HEX = /^[0-9a-f]+$/;

/** Ids in `table` matching `ref` exactly, else by prefix (empty when the ref is too short or not hex). */
export function idsMatching(ctx: LibraryContext, table: string, ref: string): string[] {
  const key = ref.trim().toLowerCase();
  if (!HEX.test(key)) return [];
  const exact = ctx.value(`SELECT id FROM ${table} WHERE id = ?`).get(key) as string | undefined;
  if (exact) return [exact];
  if (key.length < MIN_PREFIX) return [];
  // Range scan on the primary key instead of LIKE, which SQLite cannot index case-sensitively by default.
  return ctx.value(`SELECT id FROM ${table} WHERE id >= ? AND id < ? ORDER BY id LIMIT 11`).all(key, `${key}g`) as string[];
}

/** "a, b, c and 3 more": keeps error messages short when a library holds many rows. */
export function listForMessage(items: string[], max = 10): string {
  if (items.length === 0) return '(none)';
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
