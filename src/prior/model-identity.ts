/**
 * A model's identity: sha256 of its canonical architecture JSON and its
 * weight bytes, so metadata written later (figures, notes) never changes it
 * (design.md). Kept free of tfjs so the library can compute it cheaply.
 */
import { createHash } from 'node:crypto';

/** Canonical JSON: keys sorted and undefined dropped, so the identity does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function modelIdentityOf(architecture: unknown, weights: Uint8Array): string {
  return createHash('sha256').update(canonicalJson(architecture)).update('\0').update(weights).digest('hex');
}
