/**
 * Parsers for CLI option values. Noise levels on the command line are on the
 * 0–255 scale (design.md); the engine works on [0, 1]. Every parser throws a
 * GncError that names the option, what it expected and what it got.
 */
import { GncError, invalidArgument } from '../util/errors.js';

export function parseNumber(option: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw invalidArgument(option, `a number between ${min} and ${max}`, value);
    }
    return n;
  };
}

export function parseInteger(option: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) throw invalidArgument(option, `an integer between ${min} and ${max}`, value);
    return n;
  };
}

export function parseChoice<T extends string>(option: string, choices: readonly T[]) {
  return (value: string): T => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new GncError('invalid-argument', `Expected one of ${choices.join(', ')} for ${option} but received ${JSON.stringify(value)}`);
  };
}

/** A noise level on the 0–255 scale, returned on the engine's [0, 1] scale. */
export function parseSigma255(option: string, min = 0.01, max = 255) {
  const parse = parseNumber(option, min, max);
  return (value: string): number => parse(value) / 255;
}

/** A fraction (0.8) or a percentage (80%) in [0, 1]. */
export function parseFraction(option: string) {
  return (value: string): number => {
    const text = value.trim();
    const pct = text.endsWith('%');
    const n = Number(pct ? text.slice(0, -1) : text);
    const f = pct ? n / 100 : n;
    if (!Number.isFinite(f) || f < 0 || f >= 1 || text === '' || text === '%') {
      throw invalidArgument(option, 'a fraction in [0, 1) such as 0.8 or a percentage such as 80%', value);
    }
    return f;
  };
}
