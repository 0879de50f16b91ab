/**
 * One error type for every boundary of the engine (CLI, files, IPC later).
 * `kind` lets front ends react without parsing messages; the message always
 * says what was wrong, what was expected and what arrived.
 */
export type GncErrorKind =
  | 'invalid-argument'
  | 'invalid-image'
  | 'image-too-large'
  | 'invalid-mask'
  | 'invalid-model'
  | 'unknown-model'
  | 'backend'
  | 'io'
  | 'library'
  | 'not-found'
  | 'cancelled';

export class GncError extends Error {
  readonly kind: GncErrorKind;
  constructor(kind: GncErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GncError';
    this.kind = kind;
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** `name` should be ${expected} but received ${actual} — in the style of sharp's invalidParameterError. */
export function invalidArgument(name: string, expected: string, actual: unknown): GncError {
  return new GncError('invalid-argument', `Expected ${expected} for ${name} but received ${show(actual)}`);
}

/** Throws invalidArgument unless `value` is a finite number in [min, max]. Returns it for chaining. */
export function checkNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalidArgument(name, `a number between ${min} and ${max}`, value);
  }
  return value;
}

/** Throws invalidArgument unless `value` is an integer in [min, max]. */
export function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(name, `an integer between ${min} and ${max}`, value);
  }
  return value;
}

export function isAbortError(err: unknown): boolean {
  return err instanceof GncError && err.kind === 'cancelled';
}

/** Throws a `cancelled` GncError if the signal has fired. Call between steps and tiles. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'operation'): void {
  if (signal?.aborted) throw new GncError('cancelled', `The ${what} was cancelled`);
}
