/**
 * Atomic file writes: write a temporary file beside the target, flush it, then
 * rename over the target, so a crash or cancel never leaves a half-written
 * file under the real name. The temporary file is removed on failure.
 */
import { promises as fs, writeFileSync, renameSync, unlinkSync, openSync, fsyncSync, closeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { GncError } from './errors.js';

export function temporaryPathFor(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Runs `write(tmp)` to produce the file, then renames it to `target`. */
export async function writeAtomically(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = temporaryPathFor(target);
  try {
    await write(tmp);
    const handle = await fs.open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    if (err instanceof GncError) throw err;
    throw new GncError('io', `Could not write ${target}: ${(err as Error).message}`, { cause: err });
  }
}

export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  await writeAtomically(target, (tmp) => fs.writeFile(tmp, data));
}

/** Synchronous variant, for the Ctrl-C path where the event loop may not run again. */
export function writeFileAtomicSync(target: string, data: Uint8Array | string): void {
  const tmp = temporaryPathFor(target);
  try {
    writeFileSync(tmp, data);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw new GncError('io', `Could not write ${target}: ${(err as Error).message}`, { cause: err });
  }
}
