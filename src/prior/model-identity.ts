/**
 * A model's identity: sha256 of its canonical architecture JSON and its
 * weight bytes, so metadata written later (figures, notes) never changes it
 * (design.md). Kept free of tfjs so the library can compute it cheaply.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../util/canonical-json.js';

export { canonicalJson };

export function modelIdentityOf(architecture: unknown, weights: Uint8Array): string {
  // The same bytes as model-decode.ts identityParts: canonical JSON, a NUL, the weights.
  return createHash('sha256').update(canonicalJson(architecture)).update('\0').update(weights).digest('hex');
}
