/**
 * A small size-capped, rotating log file for the app's processes (the
 * Electron main process, the engine host): NAME.log in the user's data
 * folder's logs/, moved to NAME.1.log when the next line would take it past
 * `maxBytes`, NAME.1.log to NAME.2.log and so on, keeping `keep` old files.
 *
 * Lines are appended synchronously, so the last words of a process that is
 * about to die (an uncaught error) reach the file. A log that cannot be
 * written (read-only folder, full disk) never takes the app down: it stops
 * writing and says so once on stderr.
 */
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { userDataDir } from './paths.js';

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogFileOptions {
  /** Folder of the log files (default: GNC_LOG_DIR, else <user data folder>/logs). */
  dir?: string;
  /** Base name: NAME.log, NAME.1.log … */
  name: string;
  /** Largest size of one file in bytes (default 1 MiB). */
  maxBytes?: number;
  /** Old files kept besides the current one (default 4). */
  keep?: number;
  /** Also write each line to stderr (default false). */
  echo?: boolean;
  /** For tests: the clock. */
  now?: () => Date;
}

export function logDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.GNC_LOG_DIR ? path.resolve(env.GNC_LOG_DIR) : path.join(userDataDir(env), 'logs');
}

export class LogFile {
  readonly file: string;
  readonly #dir: string;
  readonly #name: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #echo: boolean;
  readonly #now: () => Date;
  #size: number | undefined;
  #broken = false;

  constructor(options: LogFileOptions) {
    if (!/^[A-Za-z0-9_-]+$/.test(options.name)) throw new Error(`Expected a log name of letters, digits, "-" or "_" but received ${JSON.stringify(options.name)}`);
    this.#dir = options.dir ?? logDir();
    this.#name = options.name;
    this.#maxBytes = Math.max(256, options.maxBytes ?? 1024 * 1024);
    this.#keep = Math.max(0, Math.floor(options.keep ?? 4));
    this.#echo = options.echo ?? false;
    this.#now = options.now ?? (() => new Date());
    this.file = path.join(this.#dir, `${this.#name}.log`);
  }

  /** NAME.log, NAME.1.log, … NAME.keep.log: every file this log may have. */
  files(): string[] {
    return [this.file, ...Array.from({ length: this.#keep }, (_, i) => path.join(this.#dir, `${this.#name}.${i + 1}.log`))];
  }

  info(message: string): void {
    this.write('info', message);
  }

  warn(message: string): void {
    this.write('warn', message);
  }

  error(message: string, err?: unknown): void {
    this.write('error', err === undefined ? message : `${message}: ${describeError(err)}`);
  }

  write(level: LogLevel, message: string): void {
    const line = `${this.#now().toISOString()} ${level.toUpperCase().padEnd(5)} [${process.pid}] ${message.replace(/\r?\n(?!$)/g, '\n    ')}\n`;
    if (this.#echo) process.stderr.write(line);
    if (this.#broken) return;
    try {
      const bytes = Buffer.byteLength(line);
      if (this.#size === undefined) {
        mkdirSync(this.#dir, { recursive: true });
        this.#size = fileSize(this.file);
      }
      if (this.#size > 0 && this.#size + bytes > this.#maxBytes) {
        this.#rotate();
        this.#size = 0;
      }
      appendFileSync(this.file, line);
      this.#size += bytes;
    } catch (err) {
      this.#broken = true;
      process.stderr.write(`gnc: cannot write the log ${this.file} (${(err as Error).message}); logging to it stops\n`);
    }
  }

  #rotate(): void {
    const files = this.files();
    if (this.#keep === 0) {
      rmSync(this.file, { force: true });
      return;
    }
    rmSync(files[this.#keep]!, { force: true });
    for (let i = this.#keep - 1; i >= 0; i--) {
      if (exists(files[i]!)) renameSync(files[i]!, files[i + 1]!);
    }
  }
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
