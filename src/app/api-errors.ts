/**
 * Errors as they cross the API: any thrown value becomes an ApiError (kind
 * and message intact for GncErrors, 'internal' for bugs), and each kind has
 * one HTTP status, so the bridge, the engine host and Electron agree.
 */
import { GncError } from '../util/errors.js';
import type { ApiError, ApiErrorKind } from './engine-api.js';

const STATUS: Record<ApiErrorKind, number> = {
  'invalid-argument': 400,
  'invalid-image': 400,
  'image-too-large': 400,
  'invalid-mask': 400,
  'invalid-model': 400,
  'unknown-model': 404,
  'not-found': 404,
  exists: 409,
  library: 409,
  cancelled: 409,
  unauthorized: 401,
  forbidden: 403,
  'not-allowed': 405,
  'too-large': 413,
  backend: 500,
  io: 500,
  internal: 500,
};

export function httpStatusFor(kind: ApiErrorKind): number {
  return STATUS[kind] ?? 500;
}

export function isApiErrorKind(kind: unknown): kind is ApiErrorKind {
  return typeof kind === 'string' && Object.hasOwn(STATUS, kind);
}

/** An error of a kind only the transports use (401, 403, 405, 413, 409 exists). */
export class ApiFailure extends Error {
  readonly kind: ApiErrorKind;
  constructor(kind: ApiErrorKind, message: string) {
    super(message);
    this.name = 'ApiFailure';
    this.kind = kind;
  }
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof GncError || err instanceof ApiFailure) return { kind: err.kind, message: err.message };
  if (typeof err === 'object' && err !== null && isApiErrorKind((err as { kind?: unknown }).kind) && typeof (err as { message?: unknown }).message === 'string') {
    return { kind: (err as ApiError).kind, message: (err as ApiError).message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'internal', message: `Internal error: ${message}` };
}

/** Turns an ApiError back into a throwable error that keeps its kind (for RPC clients). */
export function fromApiError(error: ApiError): ApiFailure {
  return new ApiFailure(isApiErrorKind(error.kind) ? error.kind : 'internal', String(error.message));
}
