/**
 * The caller's side of one engine worker thread: starts it, runs a job on it
 * with progress and cancellation, and turns a crashed worker into a failed job
 * (the next job gets a fresh worker). The caller's thread never computes.
 */
import { Worker } from 'node:worker_threads';
import { GncError } from '../util/errors.js';
import type { FromWorker, JobProgress, JobRequest, JobResult, ToWorker } from './contract.js';
import { fromJobError } from './job-error.js';

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (progress: JobProgress) => void;
}

const DEFAULT_ENTRY = new URL('./worker-entry.mjs', import.meta.url);

interface Pending {
  jobId: string;
  resolve: (result: JobResult) => void;
  reject: (err: Error) => void;
  onProgress?: (progress: JobProgress) => void;
}

export class EngineWorker {
  readonly #entry: URL;
  #worker: Worker | undefined;
  #ready: Promise<void> | undefined;
  #pending: Pending | undefined;
  #sequence = 0;

  constructor(options: { entry?: URL } = {}) {
    this.#entry = options.entry ?? DEFAULT_ENTRY;
  }

  get busy(): boolean {
    return this.#pending !== undefined;
  }

  #start(): Promise<void> {
    if (this.#ready) return this.#ready;
    const worker = new Worker(this.#entry);
    this.#worker = worker;
    this.#ready = new Promise<void>((resolve, reject) => {
      const onEarlyExit = (code: number) => reject(new GncError('backend', `The engine worker could not start (exit code ${code})`));
      worker.once('exit', onEarlyExit);
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          worker.off('exit', onEarlyExit);
          resolve();
          return;
        }
        const pending = this.#pending;
        if (!pending || message.jobId !== pending.jobId) return;
        if (message.type === 'progress') pending.onProgress?.(message.progress);
        else if (message.type === 'result') {
          this.#pending = undefined;
          pending.resolve(message.result);
        } else {
          this.#pending = undefined;
          pending.reject(fromJobError(message.error));
        }
      });
    });
    worker.on('error', (err) => this.#crashed(`The engine worker failed: ${err.message}`));
    worker.on('exit', (code) => this.#crashed(`The engine worker stopped unexpectedly (exit code ${code})`));
    return this.#ready;
  }

  #crashed(message: string): void {
    this.#worker = undefined;
    this.#ready = undefined;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(new Error(message));
  }

  async run(request: JobRequest, options: RunOptions = {}): Promise<JobResult> {
    if (this.#pending) throw new GncError('invalid-argument', 'This engine worker is already running a job');
    if (options.signal?.aborted) throw new GncError('cancelled', `The ${request.kind} job was cancelled`);
    const jobId = `job-${++this.#sequence}`;
    const flagBuffer = new SharedArrayBuffer(4);
    const flag = new Int32Array(flagBuffer);
    const done = new Promise<JobResult>((resolve, reject) => {
      this.#pending = { jobId, resolve, reject, ...(options.onProgress ? { onProgress: options.onProgress } : {}) };
    });
    const onAbort = () => {
      Atomics.store(flag, 0, 1);
      this.#worker?.postMessage({ type: 'cancel', jobId } satisfies ToWorker);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.#start();
      this.#worker!.postMessage({ type: 'run', jobId, request, cancelFlag: flagBuffer } satisfies ToWorker);
      if (options.signal?.aborted) onAbort();
      return await done;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      if ((this.#pending as Pending | undefined)?.jobId === jobId) this.#pending = undefined;
    }
  }

  /** Stops the worker; a running job fails with 'cancelled'. */
  async terminate(): Promise<void> {
    const worker = this.#worker;
    const pending = this.#pending;
    this.#pending = undefined;
    this.#worker = undefined;
    this.#ready = undefined;
    pending?.reject(new GncError('cancelled', 'The engine worker was shut down'));
    if (worker) {
      worker.removeAllListeners('exit');
      worker.removeAllListeners('error');
      await worker.terminate();
    }
  }
}
