/**
 * Jobs as the page sees them: one TrackedJob per engine job, kept current by
 * engine events (and by polling getJob while a job of ours runs, in case the
 * event stream dropped). Events may arrive before submitJob answers, so a job
 * is created by whichever comes first.
 */
import type {
  ApiError,
  EngineApi,
  EngineEvent,
  JobInfo,
  JobKind,
  JobProgress,
  JobResultSummary,
  JobStatus,
  RestoreResultSummary,
  SubmitRequest,
  TracePoint,
} from '../api/types.js';
import { EngineError } from '../api/types.js';

/** Denoise and inpaint results: a restored image with its solver trace (not a model, not samples). */
export const isRestore = (r: JobResultSummary): r is RestoreResultSummary => r.kind === 'denoise' || r.kind === 'inpaint';

const FINAL: ReadonlySet<JobStatus> = new Set(['done', 'failed', 'cancelled']);

export class TrackedJob {
  readonly jobId: string;
  kind = $state<JobKind>('denoise');
  preview = $state(false);
  recordId = $state<string | null>(null);
  request = $state.raw<SubmitRequest | null>(null);
  status = $state<JobStatus>('queued');
  progress = $state.raw<JobProgress | null>(null);
  result = $state.raw<JobResultSummary | null>(null);
  error = $state.raw<ApiError | null>(null);
  /** Trace points seen in progress events (the result's own trace replaces them when done). */
  trace = $state.raw<TracePoint[]>([]);
  /** Training loss samples seen in progress events. */
  losses = $state.raw<Array<{ iteration: number; loss: number }>>([]);
  /** Validation figures seen in progress events, with the step they came at. */
  validations = $state.raw<Array<{ step: number; values: Record<string, number> }>>([]);
  readonly createdAt = Date.now();
  /** When the user asked to cancel (so the UI can say "cancelling…"). */
  cancelling = $state(false);

  readonly #settled: Promise<JobResultSummary>;
  #resolve!: (r: JobResultSummary) => void;
  #reject!: (e: Error) => void;

  constructor(jobId: string, kind: JobKind, preview = false) {
    this.jobId = jobId;
    this.kind = kind;
    this.preview = preview;
    this.#settled = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A caller may never await it (e.g. a superseded preview): don't report that as unhandled.
    this.#settled.catch(() => undefined);
  }

  get finished(): boolean {
    return FINAL.has(this.status);
  }

  /** The restore result, when this is a finished denoise/inpaint job. */
  get restore(): RestoreResultSummary | null {
    return this.result && isRestore(this.result) ? this.result : null;
  }

  /** Resolves with the result; rejects with an EngineError when the job fails or is cancelled. */
  settled(): Promise<JobResultSummary> {
    return this.#settled;
  }

  apply(event: EngineEvent): void {
    switch (event.type) {
      case 'queued':
        this.kind = event.kind;
        this.preview = event.preview;
        this.recordId = event.recordId;
        break;
      case 'running':
        if (!this.finished) this.status = 'running';
        break;
      case 'progress':
        this.#progress(event.progress);
        break;
      case 'done':
        this.#finish('done', event.result, null);
        break;
      case 'failed':
        this.#finish('failed', null, event.error);
        break;
      case 'cancelled':
        this.#finish('cancelled', null, { kind: 'cancelled', message: 'Cancelled.' });
        break;
      default:
        break;
    }
  }

  /** Brings the job up to date from a JobInfo (getJob / listJobs). */
  update(info: JobInfo): void {
    this.kind = info.kind;
    this.preview = info.preview;
    this.recordId = info.recordId;
    this.request = info.request;
    if (info.progress) this.#progress(info.progress);
    if (FINAL.has(info.status)) this.#finish(info.status, info.result, info.error ?? (info.status === 'cancelled' ? { kind: 'cancelled', message: 'Cancelled.' } : null));
    else if (!this.finished) this.status = info.status;
  }

  #progress(p: JobProgress): void {
    if (this.finished) return;
    if (this.status === 'queued') this.status = 'running';
    this.progress = p;
    if (p.trace && !this.trace.some((t) => t.step === p.trace!.step)) this.trace = [...this.trace, p.trace];
    if (p.loss !== undefined && Number.isFinite(p.loss)) {
      const iteration = p.step ?? this.losses.length + 1;
      if (!this.losses.some((l) => l.iteration === iteration)) this.losses = [...this.losses, { iteration, loss: p.loss }];
    }
    if (p.validation && Object.keys(p.validation).length) {
      const step = p.step ?? this.validations.length;
      const last = this.validations.at(-1);
      if (!last || last.step !== step) this.validations = [...this.validations, { step, values: p.validation }];
    }
  }

  #finish(status: JobStatus, result: JobResultSummary | null, error: ApiError | null): void {
    if (this.finished) return;
    this.status = status;
    this.cancelling = false;
    if (result) {
      this.result = result;
      if (isRestore(result) && result.trace.length) this.trace = result.trace;
      if (result.kind === 'train' && result.loss.length) this.losses = result.loss;
      this.#resolve(result);
    } else {
      this.error = error ?? { kind: 'internal', message: `The job ended (${status}) without a result.` };
      this.#reject(new EngineError(this.error.kind, this.error.message));
    }
  }
}

export class JobTracker {
  readonly #api: EngineApi;
  readonly #byId = new Map<string, TrackedJob>();
  /** Every job of this session, newest last. */
  jobs = $state.raw<TrackedJob[]>([]);
  #poll: ReturnType<typeof setInterval> | null = null;
  readonly #pollMs: number;

  constructor(api: EngineApi, options: { pollMs?: number } = {}) {
    this.#api = api;
    this.#pollMs = options.pollMs ?? 2000;
  }

  get(jobId: string): TrackedJob | undefined {
    return this.#byId.get(jobId);
  }

  #ensure(jobId: string, kind: JobKind, preview: boolean): TrackedJob {
    let job = this.#byId.get(jobId);
    if (!job) {
      job = new TrackedJob(jobId, kind, preview);
      this.#byId.set(jobId, job);
      this.jobs = [...this.jobs, job];
    }
    return job;
  }

  /** Feeds an engine event (subscribe this to api.subscribe). */
  handle = (event: EngineEvent): void => {
    if (!('jobId' in event)) return;
    const kind = event.type === 'queued' ? event.kind : event.type === 'done' ? event.result.kind : 'denoise';
    const preview = event.type === 'queued' ? event.preview : event.type === 'done' && isRestore(event.result) ? event.result.crop !== null : false;
    // Events of jobs we never heard of (started elsewhere before we connected) are tracked too.
    this.#ensure(event.jobId, kind, preview).apply(event);
  };

  /** Submits a job and returns it at once; await job.settled() for the result. */
  async submit(request: SubmitRequest): Promise<TrackedJob> {
    const submitted = await this.#api.submitJob(request);
    const preview = (request.kind === 'denoise' || request.kind === 'inpaint') && request.crop !== undefined;
    const job = this.#ensure(submitted.jobId, submitted.kind, preview);
    job.request = request;
    job.recordId = submitted.recordId;
    this.#startPolling();
    return job;
  }

  /** Tracks a job submitted by another call (e.g. rerun). */
  async track(submittedPromise: Promise<{ jobId: string; kind: JobKind; recordId: string | null }>): Promise<TrackedJob> {
    const submitted = await submittedPromise;
    const job = this.#ensure(submitted.jobId, submitted.kind, false);
    job.recordId = submitted.recordId;
    this.#startPolling();
    return job;
  }

  async cancel(job: TrackedJob): Promise<void> {
    if (job.finished) return;
    job.cancelling = true;
    try {
      await this.#api.cancelJob(job.jobId);
    } catch (err) {
      job.cancelling = false;
      throw err;
    }
  }

  /** The engine that ran the unfinished jobs is gone (it crashed and was restarted): they end as failed. */
  abandonUnfinished(message: string): void {
    for (const job of this.jobs) if (!job.finished) job.apply({ type: 'failed', seq: 0, jobId: job.jobId, error: { kind: 'backend', message } });
  }

  /** Finished, recorded (not preview) restore jobs: what Compare and Export can use. */
  get results(): TrackedJob[] {
    return this.jobs.filter((j) => j.status === 'done' && !j.preview && j.restore !== null);
  }

  #startPolling(): void {
    if (this.#poll || this.#pollMs <= 0) return;
    this.#poll = setInterval(() => void this.#refresh(), this.#pollMs);
  }

  async #refresh(): Promise<void> {
    const open = this.jobs.filter((j) => !j.finished);
    if (!open.length) {
      if (this.#poll) clearInterval(this.#poll);
      this.#poll = null;
      return;
    }
    for (const job of open) {
      try {
        job.update(await this.#api.getJob(job.jobId));
      } catch {
        // The event stream or the next poll will tell.
      }
    }
  }

  dispose(): void {
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = null;
  }
}
