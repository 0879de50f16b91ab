/**
 * JSON columns: validated on the way in (so a bad value is refused where it
 * was produced, naming the field) and parsed and checked on the way out (so a
 * hand-edited or corrupted row fails with the table, row and column named
 * instead of surfacing as an undefined deep inside the UI).
 */
import { GncError, invalidArgument } from '../util/errors.js';

export type JsonObject = Record<string, unknown>;
/** Per-step arrays of a run (energy, psnr, sigma...); NaN/Infinity are stored as null. */
export type Traces = Record<string, Array<number | null>>;

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isTraces(value: unknown): value is Traces {
  return isPlainObject(value) && Object.values(value).every((v) => Array.isArray(v) && v.every((x) => x === null || typeof x === 'number'));
}

/** Serialises an object column, refusing non-objects and values JSON cannot hold. */
export function objectColumn(field: string, value: unknown): string {
  if (!isPlainObject(value)) throw invalidArgument(field, 'a plain object', value);
  return stringify(field, value);
}

export function optionalObjectColumn(field: string, value: unknown): string | null {
  return value == null ? null : objectColumn(field, value);
}

export function tracesColumn(field: string, value: unknown): string {
  if (!isPlainObject(value)) throw invalidArgument(field, 'an object of per-step number arrays', value);
  const out: Traces = {};
  for (const [key, arr] of Object.entries(value)) {
    if (!Array.isArray(arr) && !ArrayBuffer.isView(arr)) throw invalidArgument(`${field}.${key}`, 'an array of numbers', arr);
    out[key] = Array.from(arr as ArrayLike<unknown>, (x, i) => {
      if (x === null) return null;
      if (typeof x !== 'number') throw invalidArgument(`${field}.${key}[${i}]`, 'a number', x);
      return Number.isFinite(x) ? x : null;
    });
  }
  return JSON.stringify(out);
}

function stringify(field: string, value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    throw invalidArgument(field, 'a JSON-serialisable value', `(${(err as Error).message})`);
  }
}

/** Parses a stored JSON column; `check` says whether the parsed value has the expected shape. */
export function parseColumn<T>(where: string, text: string | null, check: (v: unknown) => v is T, expected: string): T | null {
  if (text == null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new GncError('library', `${where} holds invalid JSON (${(err as Error).message}); expected ${expected}`);
  }
  if (!check(value)) throw new GncError('library', `${where} holds ${text.slice(0, 80)}; expected ${expected}`);
  return value;
}
