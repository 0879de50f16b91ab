/**
 * A synchronous facade over onnxruntime-node, whose `session.run` is async.
 *
 * The solvers' PriorField.evaluate is synchronous and runs on an engine
 * worker thread (or the CLI's main thread), where blocking is allowed. So the
 * ORT sessions live in a dedicated worker thread, and every call here posts a
 * request on a MessagePort, then blocks in Atomics.wait on a shared flag until
 * the worker has posted its reply and raised the flag; the reply is then taken
 * off the port synchronously with receiveMessageOnPort (the caller never
 * needs its event loop). The worker's entry raises a second flag when the
 * thread exits, so a dead worker fails the call instead of hanging it.
 *
 * This file is the whole message contract; ort-worker.ts is the other side.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { GncError } from '../util/errors.js';

/** Shared flag words: [0] reply ready (0/1), [1] worker exited (0/1). */
export const FLAG_REPLY = 0;
export const FLAG_EXITED = 1;

export interface SessionOptions {
  /** ORT intra-op threads (the caller passes the machine's cores). */
  threads: number;
}

export interface FeedTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

export interface FetchedTensor {
  dims: number[];
  data: Float32Array;
}

export type ToOrtWorker =
  | { type: 'load'; id: number; key: string; model: Uint8Array; options: SessionOptions }
  | { type: 'run'; id: number; key: string; feeds: FeedTensor[]; fetches: string[] }
  | { type: 'release'; id: number; key: string };

export interface OrtRuntimeInfo {
  /** onnxruntime-node's version. */
  version: string;
  threads: number;
}

export type FromOrtWorker =
  | { type: 'loaded'; id: number; info: OrtRuntimeInfo }
  | { type: 'result'; id: number; outputs: Record<string, FetchedTensor>; ms: number }
  | { type: 'released'; id: number }
  | { type: 'error'; id: number; message: string };

/** What the worker thread receives as workerData. */
export interface OrtWorkerData {
  port: MessagePort;
  flags: SharedArrayBuffer;
}

const ENTRY = new URL('./ort-worker-entry.mjs', import.meta.url);
/** Slice of one blocking wait; between slices the exit flag is checked. */
const WAIT_SLICE_MS = 500;

export class SyncOrtWorker {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #flags: Int32Array;
  #sequence = 0;
  #closed = false;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    const flags = new SharedArrayBuffer(8);
    this.#flags = new Int32Array(flags);
    this.#port = port1;
    const data: OrtWorkerData = { port: port2, flags };
    this.#worker = new Worker(ENTRY, { workerData: data, transferList: [port2] });
    // Neither keeps the process alive: the owner disposes of them.
    this.#worker.unref();
    this.#port.unref();
  }

  /** Creates (or replaces) the session `key` from a serialised model. */
  load(key: string, model: Uint8Array, options: SessionOptions): OrtRuntimeInfo {
    const reply = this.#call({ type: 'load', id: 0, key, model, options });
    if (reply.type !== 'loaded') throw this.#unexpected(reply);
    return reply.info;
  }

  run(key: string, feeds: FeedTensor[], fetches: string[]): { outputs: Record<string, FetchedTensor>; ms: number } {
    const reply = this.#call({ type: 'run', id: 0, key, feeds, fetches });
    if (reply.type !== 'result') throw this.#unexpected(reply);
    return { outputs: reply.outputs, ms: reply.ms };
  }

  release(key: string): void {
    this.#call({ type: 'release', id: 0, key });
  }

  /** False once closed or once the thread has exited. */
  get alive(): boolean {
    return !this.#closed && !Atomics.load(this.#flags, FLAG_EXITED);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#port.close();
    void this.#worker.terminate();
  }

  #unexpected(reply: FromOrtWorker): Error {
    if (reply.type === 'error') return new GncError('backend', `onnxruntime: ${reply.message}`);
    return new GncError('backend', `onnxruntime worker: unexpected reply ${reply.type}`);
  }

  #call(request: ToOrtWorker): FromOrtWorker {
    if (this.#closed) throw new GncError('backend', 'The onnxruntime worker is closed');
    if (Atomics.load(this.#flags, FLAG_EXITED)) throw new GncError('backend', 'The onnxruntime worker has stopped');
    const id = ++this.#sequence;
    Atomics.store(this.#flags, FLAG_REPLY, 0);
    this.#port.postMessage({ ...request, id });
    while (Atomics.load(this.#flags, FLAG_REPLY) === 0) {
      if (Atomics.load(this.#flags, FLAG_EXITED)) {
        this.close();
        throw new GncError('backend', 'The onnxruntime worker stopped before it replied');
      }
      Atomics.wait(this.#flags, FLAG_REPLY, 0, WAIT_SLICE_MS);
    }
    const received = receiveMessageOnPort(this.#port);
    const reply = received?.message as FromOrtWorker | undefined;
    if (!reply || reply.id !== id) throw new GncError('backend', 'The onnxruntime worker replied out of turn');
    if (reply.type === 'error') throw this.#unexpected(reply);
    return reply;
  }
}

let shared: SyncOrtWorker | undefined;

/**
 * The calling thread's onnxruntime worker, started on first use and kept
 * (unreferenced) for later priors: starting one costs most of a second, which
 * every short restore (the app's previews) would otherwise pay. Its sessions
 * belong to their priors, which release them.
 */
export function sharedOrtWorker(): SyncOrtWorker {
  if (!shared?.alive) shared = new SyncOrtWorker();
  return shared;
}
