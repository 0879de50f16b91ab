/**
 * The app's per-session scratch folder: uploaded images, masks, crops for
 * previews and job results live in <user data>/sessions/<pid>-<random>/ and
 * are removed when the session ends. A session that crashed cannot clean up
 * after itself, so each new session removes folders whose owning process is
 * gone (the pid is in the folder name).
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isPidAlive } from '../library/files.js';

export interface SessionDir {
  readonly root: string;
  /** A sub-folder, created on first use. */
  folder(...parts: string[]): string;
  remove(): void;
}

const NAME = /^(\d+)-[0-9a-f]{8}$/;

/** Removes leftover session folders of processes that no longer run. */
export function removeStaleSessions(sessionsRoot: string): string[] {
  let names: string[];
  try {
    names = readdirSync(sessionsRoot);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m || Number(m[1]) === process.pid || isPidAlive(Number(m[1]))) continue;
    rmSync(path.join(sessionsRoot, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

export function createSessionDir(userData: string): SessionDir {
  const sessionsRoot = path.join(userData, 'sessions');
  removeStaleSessions(sessionsRoot);
  const root = path.join(sessionsRoot, `${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(root, { recursive: true });
  return {
    root,
    folder(...parts) {
      const dir = path.join(root, ...parts);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
