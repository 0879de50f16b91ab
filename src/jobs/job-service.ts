/**
 * The job service every front end uses: a FIFO queue of typed job requests run
 * on engine worker threads, with progress events, cancellation, and every job
 * recorded (queued → running → done / failed / cancelled) by a recorder such
 * as the library. The caller's thread only brokers messages.
 */
import { GncError } from '../util/errors.js';
import type { JobProgress, JobRequest, JobResult } from './contract.js';
import { validateJobRequest } from './validate-request.js';
import { EngineWorker } from './engine-worker.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** Where jobs are recorded; the library implements it (library/job-recorder.ts). */
export interface JobRecorder {
  /** A new job; may return extra output files the job should also write (e.g. into the library). */
  queued(request: JobRequest): Promise<{ recordId: string; extraOutputs?: string[] }>;
  started(recordId: string): void;
  /** Progress of a running job (e.g. loss samples of a training run). */
  progress?(recordId: string, progress: JobProgress): void;
  done(recordId: string, request: JobRequest, result: JobResult): Promise<void>;
  failed(recordId: string, error: Error): void;
  cancelled(recordId: string): void;
}

/** Runs a job somewhere off the caller's thread. EngineWorker is the real one. */
export interface JobRunner {
  run(request: JobRequest, options: { signal?: AbortSignal; onProgress?: (p: JobProgress) => void }): Promise<JobResult>;
  terminate(): Promise<void>;
}

export interface JobHandle {
  readonly id: string;
  readonly request: JobRequest;
  readonly status: JobStatus;
  /** The library record, when recorded. */
  readonly recordId: string | undefined;
  readonly result: Promise<JobResult>;
  cancel(): void;
}

export interface SubmitOptions {
  onProgress?: (progress: JobProgress) => void;
  onStatus?: (status: JobStatus) => void;
  /** Record this job with the service's recorder (default true when there is one). */
  record?: boolean;
}

interface QueuedJob {
  handle: MutableHandle;
  options: SubmitOptions;
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
}

interface MutableHandle extends JobHandle {
  status: JobStatus;
  controller: AbortController;
}

export interface JobServiceOptions {
  recorder?: JobRecorder;
  /** Jobs running at once, each on its own worker (default 1: a job uses a whole core or more). */
  concurrency?: number;
  createRunner?: () => JobRunner;
}

export class JobService {
  readonly #recorder: JobRecorder | undefined;
  readonly #createRunner: () => JobRunner;
  readonly #idle: JobRunner[] = [];
  readonly #all: JobRunner[] = [];
  readonly #queue: QueuedJob[] = [];
  readonly #jobs = new Map<string, MutableHandle>();
  readonly #concurrency: number;
  #running = 0;
  #sequence = 0;
  #closed = false;

  constructor(options: JobServiceOptions = {}) {
    this.#recorder = options.recorder;
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
    this.#createRunner = options.createRunner ?? (() => new EngineWorker());
  }

  /** Queues a job once it is validated and recorded; the handle's `result` settles when it ends. */
  async submit(request: JobRequest, options: SubmitOptions = {}): Promise<JobHandle> {
    if (this.#closed) throw new GncError('invalid-argument', 'The job service is shut down');
    validateJobRequest(request);
    const id = `${Date.now().toString(36)}-${(++this.#sequence).toString(36)}`;
    let recordId: string | undefined;
    let job: JobRequest = request;
    if (this.#recorder && options.record !== false) {
      const record = await this.#recorder.queued(request);
      recordId = record.recordId;
      if (record.extraOutputs?.length && (request.kind === 'denoise' || request.kind === 'inpaint')) {
        job = { ...request, outputs: [...(request.outputs ?? []), ...record.extraOutputs] };
      }
    }
    const controller = new AbortController();
    let resolve!: (r: JobResult) => void;
    let reject!: (e: Error) => void;
    const result = new Promise<JobResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const handle: MutableHandle = {
      id,
      request: job,
      status: 'queued',
      recordId,
      result,
      controller,
      cancel: () => this.cancel(id),
    };
    this.#jobs.set(id, handle);
    this.#queue.push({ handle, options, resolve, reject });
    options.onStatus?.('queued');
    this.#pump();
    return handle;
  }

  get(id: string): JobHandle | undefined {
    return this.#jobs.get(id);
  }

  /** Cancels a queued job at once, a running one at its next tile or step. */
  cancel(id: string): boolean {
    const handle = this.#jobs.get(id);
    if (!handle || (handle.status !== 'queued' && handle.status !== 'running')) return false;
    handle.controller.abort();
    const index = this.#queue.findIndex((q) => q.handle.id === id);
    if (index >= 0) {
      const [queued] = this.#queue.splice(index, 1);
      void this.#settle(queued!, { error: new GncError('cancelled', `The ${handle.request.kind} job was cancelled before it started`) });
    }
    return true;
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#queue.length > 0) {
      const next = this.#queue.shift()!;
      this.#running += 1;
      void this.#run(next).finally(() => {
        this.#running -= 1;
        this.#pump();
      });
    }
  }

  async #run(job: QueuedJob): Promise<void> {
    const { handle, options } = job;
    const runner = this.#idle.pop() ?? this.#newRunner();
    handle.status = 'running';
    options.onStatus?.('running');
    if (handle.recordId) this.#recorder!.started(handle.recordId);
    const recorder = handle.recordId && this.#recorder?.progress ? this.#recorder : undefined;
    const onProgress = (p: JobProgress) => {
      options.onProgress?.(p);
      if (recorder) {
        try {
          recorder.progress!(handle.recordId!, p);
        } catch (err) {
          process.emitWarning(`could not record progress of job ${handle.id}: ${(err as Error).message}`);
        }
      }
    };
    try {
      const result = await runner.run(handle.request, { signal: handle.controller.signal, onProgress });
      await this.#settle(job, { result });
    } catch (err) {
      await this.#settle(job, { error: err instanceof Error ? err : new Error(String(err)) });
    } finally {
      if (!this.#closed) this.#idle.push(runner);
    }
  }

  #newRunner(): JobRunner {
    const runner = this.#createRunner();
    this.#all.push(runner);
    return runner;
  }

  async #settle(job: QueuedJob, outcome: { result: JobResult } | { error: Error }): Promise<void> {
    const { handle, options } = job;
    const cancelled = 'error' in outcome && outcome.error instanceof GncError && outcome.error.kind === 'cancelled';
    handle.status = 'result' in outcome ? 'done' : cancelled ? 'cancelled' : 'failed';
    if (handle.recordId) {
      try {
        if ('result' in outcome) await this.#recorder!.done(handle.recordId, handle.request, outcome.result);
        else if (cancelled) this.#recorder!.cancelled(handle.recordId);
        else this.#recorder!.failed(handle.recordId, outcome.error);
      } catch (err) {
        // The job's own outcome stands; a recording failure must not hide it.
        process.emitWarning(`could not record job ${handle.id}: ${(err as Error).message}`);
      }
    }
    options.onStatus?.(handle.status);
    if ('result' in outcome) job.resolve(outcome.result);
    else job.reject(outcome.error);
  }

  /** Cancels everything and stops the workers. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const handle of this.#jobs.values()) if (handle.status === 'queued' || handle.status === 'running') this.cancel(handle.id);
    await Promise.all(this.#all.map((runner) => runner.terminate()));
  }
}
