/** Errors across the worker boundary: kind and message survive the trip. */
import { GncError, type GncErrorKind } from '../util/errors.js';
import type { JobError } from './contract.js';

export function toJobError(err: unknown): JobError {
  if (err instanceof GncError) return { kind: err.kind, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'internal', message: message || 'unknown error' };
}

/** Back into an Error the caller can catch: a GncError unless the worker failed unexpectedly. */
export function fromJobError(error: JobError): Error {
  if (error.kind === 'internal') return new Error(`engine error: ${error.message}`);
  return new GncError(error.kind as GncErrorKind, error.message);
}
