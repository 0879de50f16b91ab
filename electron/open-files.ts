/**
 * Photos the operating system asks the app to open (the installers associate
 * PNG, JPEG and TIFF with it): on Windows and Linux as command-line arguments
 * (of the first instance, or of a second one, which hands them to the first),
 * on macOS as 'open-file' events. Plain data in and out; main.ts wires it.
 *
 * A path chosen this way counts as chosen by the user, like a dialog's: the
 * broker is told to accept it (IpcBroker.allowRead) before the page is told.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

export const OPENABLE = ['png', 'jpg', 'jpeg', 'tif', 'tiff', 'webp'];

/** The image files named in a command line: absolute, existing, regular files with an image extension; options and the app's own arguments skipped. */
export function imagePathsFromArgv(argv: readonly string[], options: { packaged: boolean; cwd?: string }): string[] {
  // Packaged: [exe, ...args]; development: [electron, appPath, ...args].
  const args = argv.slice(options.packaged ? 1 : 2);
  const found: string[] = [];
  for (const a of args) {
    if (!a || a.startsWith('-')) continue;
    const file = path.resolve(options.cwd ?? process.cwd(), a);
    if (!OPENABLE.includes(path.extname(file).slice(1).toLowerCase())) continue;
    try {
      if (existsSync(file) && statSync(file).isFile() && !found.includes(file)) found.push(file);
    } catch {
      // unreadable: skipped
    }
  }
  return found;
}

/** Holds the paths that arrive before the page can take them, then hands each over once. */
export class OpenQueue {
  readonly #pending: string[] = [];
  #deliver: ((file: string) => void) | undefined;

  add(files: readonly string[]): void {
    for (const f of files) {
      if (this.#deliver) this.#deliver(f);
      else if (!this.#pending.includes(f)) this.#pending.push(f);
    }
  }

  /** The page is ready: delivers what waited, then every later path at once. */
  ready(deliver: (file: string) => void): void {
    this.#deliver = deliver;
    for (const f of this.#pending.splice(0)) deliver(f);
  }

  /** The page went away (reload, closed window): hold paths again until it is ready. */
  pause(): void {
    this.#deliver = undefined;
  }
}
