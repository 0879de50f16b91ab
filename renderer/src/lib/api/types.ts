/**
 * The renderer's view of the engine contract: type-only re-exports of
 * src/app/engine-api.ts (which is self-contained and Node-free by design), so
 * components import from one place. Nothing here exists at run time.
 */
export type * from '../../../../src/app/engine-api.js';
import type { ApiErrorKind } from '../../../../src/app/engine-api.js';

/** An engine error as the renderer sees it (either transport): kind and message intact. */
export class EngineError extends Error {
  readonly kind: ApiErrorKind;
  /** HTTP status, when it came over HTTP. */
  readonly status: number | undefined;
  constructor(kind: ApiErrorKind, message: string, status?: number) {
    super(message);
    this.name = 'EngineError';
    this.kind = kind;
    this.status = status;
  }
}

/** The error's kind when it is an engine error (or an Error carrying `kind`, as the preload rejects with). */
export function errorKind(err: unknown): ApiErrorKind | undefined {
  if (err && typeof err === 'object' && 'kind' in err && typeof (err as { kind: unknown }).kind === 'string') {
    return (err as { kind: ApiErrorKind }).kind;
  }
  return undefined;
}

/** A message a person can read, from anything thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.replace(/^Error invoking remote method '[^']+': (?:\w*Error: )?/, '');
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}
