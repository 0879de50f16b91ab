/**
 * File helpers the library shares: checksums, ids, timestamps, copying into
 * the managed folders atomically, and recognising the leftovers of atomic
 * writes. Kept free of database code so check.ts and bundle.ts can use them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeAtomically } from '../util/atomic.js';
import { GncError } from '../util/errors.js';

export function now(): string {
  return new Date().toISOString();
}

/** Random ids for rows that have no natural identity (64 bits: collisions are not a concern at library sizes). */
export function newId(): string {
  return randomBytes(8).toString('hex');
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Files up to this size are hashed in one read; larger ones are streamed so big photos need not fit in memory. */
const ONE_READ_BYTES = 16 * 1024 * 1024;

export async function sha256File(file: string): Promise<string> {
  try {
    if ((await fs.stat(file)).size <= ONE_READ_BYTES) return sha256(await fs.readFile(file));
  } catch (err) {
    throw ioError(`read ${file}`, err);
  }
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', (err) => reject(ioError(`read ${file}`, err)))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export function sha256FileSync(file: string): string {
  return sha256(readFileSync(file));
}

export function ioError(what: string, err: unknown): GncError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new GncError('not-found', `Could not ${what}: no such file`, { cause: err });
  return new GncError('io', `Could not ${what}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/** Copies `source` to `target` through a temporary file and a rename, so `target` is either absent or complete. */
export async function copyFileAtomic(source: string, target: string): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  await writeAtomically(target, (tmp) => fs.copyFile(source, tmp));
}

/** Removes a file if present; a file that is already gone is what we wanted. */
export function removeFileQuietly(file: string): void {
  rmSync(file, { force: true });
}

/**
 * Leftovers of util/atomic.ts (".NAME.PID.HEX.tmp") carry the writer's pid,
 * so a check can tell a crashed writer's temp file from one being written now.
 */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/;

export function temporaryFileWriter(name: string): number | null {
  const m = TEMP_NAME.exec(name);
  return m ? Number(m[1]) : null;
}

/** Whether a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A file name safe on every platform, from a user-supplied name (keeps the extension). */
export function safeFileName(name: string): string {
  const base = path.basename(name).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '');
  return base.slice(-100) || 'file';
}
