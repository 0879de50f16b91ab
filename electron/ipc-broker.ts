/**
 * The IPC broker of the main process: every `gnc:<method>` invoke from the
 * page goes through here before it reaches the engine host. It checks
 *
 *   - the sender: only the app's own page (gnc://app/) may call;
 *   - the channel and every argument, against the contract (api-validate.ts);
 *   - file paths: the page cannot name files itself, it may only pass back a
 *     path a dialog of this session returned (open dialogs for reading
 *     calls, save dialogs for writing calls), so a compromised page cannot
 *     read or overwrite arbitrary files;
 *
 * and answers with an IpcResult (never a rejection: contextBridge would keep
 * only the message of an Error, and the page needs its kind).
 * No Electron import: the main process wires it to ipcMain; tests use fakes.
 */
import path from 'node:path';
import { toApiError } from '../src/app/api-errors.js';
import { CALL_NAMES, fail, fileName, oneOf, pathsIn, validateCall } from '../src/app/api-validate.js';
import type { EngineCallName, IpcResult } from '../src/app/engine-api.js';
import { ApiFailure } from '../src/app/api-errors.js';
import type { Dialogs } from './dialogs.js';

export const CHANNEL_PREFIX = 'gnc:';
export const EVENT_CHANNEL = 'gnc:event';
export const MENU_CHANNEL = 'gnc:menu';
export const OPEN_FILE_CHANNEL = 'gnc:open-file';
export const DIALOG_CALLS = ['showOpenDialog', 'showSaveDialog'] as const;

/** The calls that write the file they are given. */
const WRITING: ReadonlySet<EngineCallName> = new Set(['exportResult', 'exportModelBundle']);

/** What the broker needs of the engine (EngineClient has it). */
export interface EngineLink {
  call(name: string, args: unknown[]): Promise<unknown>;
}

/** Whether a frame URL is the app's own page (served from gnc://app/). */
export function isAppPage(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'gnc:' && u.host === 'app';
  } catch {
    return false;
  }
}

export class IpcBroker {
  readonly #engine: EngineLink;
  readonly #dialogs: Dialogs;
  readonly #readable = new Set<string>();
  readonly #writable = new Set<string>();

  constructor(engine: EngineLink, dialogs: Dialogs) {
    this.#engine = engine;
    this.#dialogs = dialogs;
  }

  /** Every invoke channel to register with ipcMain.handle. */
  channels(): string[] {
    return [...CALL_NAMES, ...DIALOG_CALLS].map((name) => `${CHANNEL_PREFIX}${name}`);
  }

  async handle(channel: string, senderUrl: string, args: unknown[]): Promise<IpcResult<unknown>> {
    try {
      if (!isAppPage(senderUrl)) throw new ApiFailure('forbidden', `Refused an IPC call from ${senderUrl || 'an unknown frame'}; only the app's own page (gnc://app/) may call the engine`);
      if (!channel.startsWith(CHANNEL_PREFIX)) fail('the IPC channel', `a name starting with ${CHANNEL_PREFIX}`, channel);
      const name = channel.slice(CHANNEL_PREFIX.length);
      if (name === 'showOpenDialog') return { ok: true, value: await this.#open(args) };
      if (name === 'showSaveDialog') return { ok: true, value: await this.#save(args) };
      const checked = validateCall(name, args);
      for (const p of pathsIn(name as EngineCallName, checked)) this.#checkPath(name as EngineCallName, p);
      return { ok: true, value: await this.#engine.call(name, checked) };
    } catch (err) {
      return { ok: false, error: toApiError(err) };
    }
  }

  /** A file the user opened through the operating system (file association, command line): readable like a dialog's choice. */
  allowRead(file: string): void {
    this.#readable.add(path.resolve(file));
  }

  async #open(args: unknown[]): Promise<string | null> {
    if (args.length !== 1) fail('showOpenDialog arguments', 'exactly one argument (the kind)', args.length);
    oneOf('image', 'bundle', 'folder')(args[0], 'showOpenDialog kind');
    const chosen = await this.#dialogs.showOpen(args[0] as 'image' | 'bundle' | 'folder');
    if (chosen) this.#readable.add(path.resolve(chosen));
    return chosen;
  }

  async #save(args: unknown[]): Promise<string | null> {
    if (args.length !== 2) fail('showSaveDialog arguments', 'two arguments (the kind and a default file name)', args.length);
    oneOf('image', 'bundle')(args[0], 'showSaveDialog kind');
    fileName(args[1], 'showSaveDialog default name');
    const chosen = await this.#dialogs.showSave(args[0] as 'image' | 'bundle', args[1] as string);
    if (chosen) this.#writable.add(path.resolve(chosen));
    return chosen;
  }

  #checkPath(name: EngineCallName, file: string): void {
    const writing = WRITING.has(name);
    const allowed = writing ? this.#writable : this.#readable;
    if (!allowed.has(path.resolve(file))) {
      throw new ApiFailure(
        'forbidden',
        `${name} was given the path ${file}, which no ${writing ? 'save' : 'open'} dialog returned; the page may only use paths the user chose in a dialog`,
      );
    }
  }
}
