/**
 * Keeps the engine host running for the Electron main process: when the host
 * stops without being asked to (an uncaught error, a crash, a kill), the
 * supervisor starts a new one, tells every listener with an
 * `engine-restarted` event, and lets calls made meanwhile wait for it
 * instead of failing. The library lives in its own SQLite file (WAL, every
 * write a transaction), so a new host opens it as the old one left it; what
 * is lost is the old host's session (uploaded photos, jobs in progress).
 *
 * It gives up after `maxRestarts` crashes within `windowMs` (a host that
 * dies on start would otherwise loop), and says so through `onGiveUp`.
 * No Electron here: the main process passes how to start a host.
 */
import type { EngineEvent, EngineEventListener } from './engine-api.js';
import type { ResourceBytes } from './engine-rpc.js';
import { GncError } from '../util/errors.js';

/** What the supervisor needs of a running host (EngineClient has it). */
export interface EngineProcess {
  readonly pid: number | undefined;
  call(name: string, args: unknown[]): Promise<unknown>;
  resource(path: string, query?: string): Promise<ResourceBytes>;
  subscribe(listener: EngineEventListener): () => void;
  onUnexpectedExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  close(timeoutMs?: number): Promise<void>;
}

export interface RestartInfo {
  /** Why the previous host stopped, in words. */
  reason: string;
  /** Restarts so far in this app session. */
  restarts: number;
  pid: number | undefined;
}

export interface EngineSupervisorOptions {
  start(): Promise<EngineProcess>;
  /** Crashes tolerated within `windowMs` before giving up (default 3). */
  maxRestarts?: number;
  windowMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** For tests: the clock. */
  now?: () => number;
}

export class EngineSupervisor {
  readonly #options: EngineSupervisorOptions;
  readonly #listeners = new Set<EngineEventListener>();
  readonly #restartListeners = new Set<(info: RestartInfo) => void>();
  readonly #giveUpListeners = new Set<(reason: string) => void>();
  readonly #crashes: number[] = [];
  #current: EngineProcess;
  /** Set while a new host is starting: calls wait for it. */
  #starting: Promise<EngineProcess> | undefined;
  #restarts = 0;
  #closed = false;
  #gaveUp: string | undefined;

  private constructor(first: EngineProcess, options: EngineSupervisorOptions) {
    this.#options = options;
    this.#current = first;
    this.#attach(first);
  }

  /** Starts the first host (failing as it fails: nothing to restart yet). */
  static async start(options: EngineSupervisorOptions): Promise<EngineSupervisor> {
    return new EngineSupervisor(await options.start(), options);
  }

  get pid(): number | undefined {
    return this.#current.pid;
  }

  get restarts(): number {
    return this.#restarts;
  }

  #attach(host: EngineProcess): void {
    host.subscribe((event) => {
      if (host === this.#current) this.#emit(event);
    });
    host.onUnexpectedExit((code, signal) => {
      if (host === this.#current && !this.#closed) void this.#restart(signal ? `signal ${signal}` : `exit code ${code}`);
    });
  }

  #emit(event: EngineEvent): void {
    for (const l of [...this.#listeners]) {
      try {
        l(event);
      } catch {
        this.#listeners.delete(l);
      }
    }
  }

  async #restart(reason: string): Promise<void> {
    const now = (this.#options.now ?? Date.now)();
    const windowMs = this.#options.windowMs ?? 60_000;
    this.#crashes.push(now);
    while (this.#crashes.length && this.#crashes[0]! < now - windowMs) this.#crashes.shift();
    const max = this.#options.maxRestarts ?? 3;
    this.#options.log?.('error', `the engine process stopped unexpectedly (${reason})`);
    if (this.#crashes.length > max) {
      this.#giveUp(`the engine stopped ${this.#crashes.length} times within ${Math.round(windowMs / 1000)} s (last: ${reason})`);
      return;
    }
    const starting = this.#options.start();
    this.#starting = starting;
    let host: EngineProcess;
    try {
      host = await starting;
    } catch (err) {
      this.#starting = undefined;
      this.#giveUp(`the engine stopped (${reason}) and could not be restarted: ${(err as Error).message}`);
      return;
    } finally {
      if (this.#starting === starting) this.#starting = undefined;
    }
    if (this.#closed) {
      await host.close();
      return;
    }
    this.#current = host;
    this.#attach(host);
    this.#restarts++;
    this.#options.log?.('info', `restarted the engine process (pid ${host.pid}, restart ${this.#restarts})`);
    const info: RestartInfo = { reason, restarts: this.#restarts, pid: host.pid };
    this.#emit({ type: 'engine-restarted', seq: 0, reason, restarts: this.#restarts });
    for (const l of this.#restartListeners) l(info);
  }

  #giveUp(reason: string): void {
    this.#gaveUp = reason;
    this.#options.log?.('error', `giving up: ${reason}`);
    for (const l of this.#giveUpListeners) l(reason);
  }

  async #host(): Promise<EngineProcess> {
    if (this.#gaveUp) throw new GncError('backend', `The engine is not running: ${this.#gaveUp}`);
    if (this.#closed) throw new GncError('backend', 'The engine has been closed');
    return this.#starting ?? this.#current;
  }

  async call(name: string, args: unknown[]): Promise<unknown> {
    return (await this.#host()).call(name, args);
  }

  async resource(path: string, query = ''): Promise<ResourceBytes> {
    return (await this.#host()).resource(path, query);
  }

  subscribe(listener: EngineEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** After a new host has started in place of one that stopped. */
  onRestart(listener: (info: RestartInfo) => void): void {
    this.#restartListeners.add(listener);
  }

  /** When it stops restarting (too many crashes, or a restart failed). */
  onGiveUp(listener: (reason: string) => void): void {
    this.#giveUpListeners.add(listener);
  }

  async close(timeoutMs?: number): Promise<void> {
    this.#closed = true;
    const starting = this.#starting;
    await this.#current.close(timeoutMs);
    if (starting) await (await starting.catch(() => undefined))?.close(timeoutMs);
  }
}
