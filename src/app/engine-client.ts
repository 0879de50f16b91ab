/**
 * The main process's side of the engine host: spawns it with the system
 * `node` (see engine-host.ts for why not Electron's), and offers the engine
 * calls, resource fetches and events over the IPC channel. Pending calls
 * fail with a clear error if the host dies; `close()` asks it to clean up
 * (cancel jobs, close the library, remove the session folder) and kills it
 * only if it does not exit in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fromApiError } from './api-errors.js';
import type { EngineEvent, EngineEventListener } from './engine-api.js';
import type { FromHost, ResourceBytes, ToHost } from './engine-rpc.js';
import { GncError } from '../util/errors.js';

export interface EngineClientOptions {
  /** The Node binary (default: GNC_NODE, else `node` on the PATH). */
  node?: string;
  /** engine-host-entry.mjs (default: beside this file). */
  entry?: string;
  env?: NodeJS.ProcessEnv;
  /** How long start() waits for the host to be ready. */
  startTimeoutMs?: number;
  /** Receives the host's stdout and stderr (e.g. for a log file); default: inherited. */
  output?: (text: string, stream: 'stdout' | 'stderr') => void;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class EngineClient {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<EngineEventListener>();
  readonly #exitListeners = new Set<(code: number | null, signal: NodeJS.Signals | null) => void>();
  #sequence = 0;
  #exited = false;
  #closing = false;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (message: FromHost) => this.#receive(message));
    child.on('exit', (code, signal) => {
      this.#exited = true;
      const why = new GncError('backend', `The engine process stopped (${signal ? `signal ${signal}` : `exit code ${code}`})`);
      for (const p of this.#pending.values()) p.reject(why);
      this.#pending.clear();
      if (!this.#closing) for (const l of this.#exitListeners) l(code, signal);
    });
  }

  static start(options: EngineClientOptions = {}): Promise<EngineClient> {
    const node = options.node ?? process.env.GNC_NODE ?? 'node';
    const entry = options.entry ?? fileURLToPath(new URL('./engine-host-entry.mjs', import.meta.url));
    const output = options.output;
    const child = spawn(node, [entry], {
      stdio: ['ignore', output ? 'pipe' : 'inherit', output ? 'pipe' : 'inherit', 'ipc'],
      serialization: 'advanced',
      env: options.env ?? process.env,
    });
    if (output) {
      child.stdout?.setEncoding('utf8').on('data', (text: string) => output(text, 'stdout'));
      child.stderr?.setEncoding('utf8').on('data', (text: string) => output(text, 'stderr'));
    }
    const client = new EngineClient(child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new GncError('backend', `The engine process did not start within ${(options.startTimeoutMs ?? 60_000) / 1000} s`));
      }, options.startTimeoutMs ?? 60_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        reject(new GncError('backend', missing ? `Cannot start the engine: no Node.js binary "${node}" (install Node.js 20 or set GNC_NODE)` : `Cannot start the engine: ${err.message}`));
      };
      child.once('error', fail);
      child.once('exit', (code) => fail(new Error(`it exited with code ${code} before it was ready`)));
      child.on('message', function ready(message: FromHost) {
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        child.off('message', ready);
        child.removeAllListeners('error');
        child.removeAllListeners('exit');
        // Re-attach the client's own exit handling (removed just above with the start-up ones).
        child.on('exit', (code, signal) => client.#onExit(code, signal));
        resolve(client);
      });
    });
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exited = true;
    const why = new GncError('backend', `The engine process stopped (${signal ? `signal ${signal}` : `exit code ${code}`})`);
    for (const p of this.#pending.values()) p.reject(why);
    this.#pending.clear();
    if (!this.#closing) for (const l of this.#exitListeners) l(code, signal);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #receive(message: FromHost): void {
    if (message.type === 'event') {
      for (const l of this.#listeners) l(message.event as EngineEvent);
      return;
    }
    if (message.type !== 'reply') return;
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(fromApiError(message.error));
  }

  #send(message: ToHost extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never): Promise<unknown> {
    if (this.#exited) return Promise.reject(new GncError('backend', 'The engine process is not running'));
    const id = ++this.#sequence;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ ...message, id } as ToHost, (err) => {
        if (err && this.#pending.delete(id)) reject(new GncError('backend', `Could not reach the engine process: ${err.message}`));
      });
    });
  }

  /** An engine call (arguments are validated again by the host). */
  call(name: string, args: unknown[]): Promise<unknown> {
    return this.#send({ type: 'call', name, args });
  }

  resource(path: string, query = ''): Promise<ResourceBytes> {
    return this.#send({ type: 'resource', path, query }) as Promise<ResourceBytes>;
  }

  subscribe(listener: EngineEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called if the host stops without being asked to. */
  onUnexpectedExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.#exitListeners.add(listener);
  }

  /** Asks the host to clean up and exit; kills it after `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.#exited) return;
    this.#closing = true;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    try {
      this.#child.send({ type: 'shutdown' } satisfies ToHost);
    } catch {
      this.#child.kill();
    }
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
