/**
 * Field checks for data that arrives from outside a process (IPC, HTTP, a
 * worker message): each names the field, what was expected and what arrived.
 * Pure (imports only the error type), so electron/, src/app and src/jobs share
 * one set of checks.
 */
import { GncError } from './errors.js';

export type Check = (value: unknown, where: string) => void;

function shown(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function fail(where: string, expected: string, value: unknown): never {
  throw new GncError('invalid-argument', `Expected ${expected} for ${where} but received ${shown(value)}`);
}

export const number = (min: number, max: number): Check => (v, where) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) fail(where, `a number between ${min} and ${max}`, v);
};
export const integer = (min: number, max: number): Check => (v, where) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(where, `an integer between ${min} and ${max}`, v);
};
export const oneOf = (...choices: unknown[]): Check => (v, where) => {
  if (!choices.includes(v)) fail(where, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, v);
};
export const flag: Check = (v, where) => {
  if (typeof v !== 'boolean') fail(where, 'true or false', v);
};
export const list = (item: Check, max: number): Check => (v, where) => {
  if (!Array.isArray(v) || v.length > max) fail(where, `a list of at most ${max} items`, v);
  v.forEach((x, i) => item(x, `${where}[${i}]`));
};
export const object = (fields: Record<string, Check>, required: string[] = []): Check => (v, where) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) fail(where, 'an object', v);
  const record = v as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(fields, key)) fail(`${where}.${key}`, `no such field (known: ${Object.keys(fields).join(', ')})`, record[key]);
  }
  for (const key of required) if (record[key] === undefined) fail(`${where}.${key}`, 'a value (required)', undefined);
  for (const [key, check] of Object.entries(fields)) if (record[key] !== undefined) check(record[key], `${where}.${key}`);
};
export const optional = (check: Check): Check => (v, where) => {
  if (v !== undefined) check(v, where);
};
