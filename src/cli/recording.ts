/**
 * How CLI commands run their work: on the job service (an engine worker
 * thread, so Ctrl-C can cancel cleanly), recorded in the library unless
 * --no-record. One place so every command records the same way.
 */
import type { Command } from 'commander';
import type { JobProgress, JobRequest, JobResult } from '../jobs/contract.js';
import { JobService } from '../jobs/job-service.js';
import { progressBar } from './progress.js';
import { LibraryJobRecorder } from '../library/job-recorder.js';
import { openLibrary, type Library } from '../library/library.js';

export interface RecordingOptions {
  library?: string;
  /** commander's --no-record sets record to false. */
  record: boolean;
}

export function addRecordingOptions(cmd: Command): Command {
  return cmd
    .option('--library <path>', 'library database to record the run in (default: GNC_LIBRARY, else the user data folder)')
    .option('--no-record', 'do not record this run in the library');
}

export interface CliJobs {
  service: JobService;
  library: Library | undefined;
  close(): Promise<void>;
}

export function openCliJobs(o: RecordingOptions): CliJobs {
  const library = o.record ? openLibrary({ ...(o.library ? { path: o.library } : {}) }) : undefined;
  const service = new JobService(library ? { recorder: new LibraryJobRecorder(library) } : {});
  return {
    service,
    library,
    async close() {
      await service.close();
      library?.close();
    },
  };
}

/** How a command shows its job's progress: bar position and fields, or nothing for this event. */
export type ProgressView = (p: JobProgress) => { done: number; total: number; fields?: Record<string, string | undefined> } | undefined;

export interface CliJobDisplay {
  /** Default: the fraction and the job's message. */
  view?: ProgressView;
  /** Extra handling of every event (e.g. printing lines to stderr). */
  onProgress?: (p: JobProgress) => void;
  /** What Ctrl-C says before cancelling. */
  cancelMessage?: string;
}

/**
 * Runs one job for a CLI command: submit, a progress bar from the job's
 * progress, Ctrl-C → cancel (the job stops at its next tile, step or
 * iteration), and the result once recorded. Every command that computes goes
 * through here, so they all record, cancel and clean up the same way.
 */
export async function runCliJob(
  o: RecordingOptions & { progress?: boolean; json?: boolean },
  request: JobRequest,
  label: string,
  display: CliJobDisplay = {},
): Promise<{ result: JobResult; recordId: string | undefined }> {
  const bar = progressBar(label, o.progress ?? (process.stderr.isTTY === true && !o.json));
  const view: ProgressView = display.view ?? ((p) => ({ done: Math.round(p.fraction * 1000), total: 1000, fields: { '': p.message } }));
  const jobs = openCliJobs(o);
  try {
    const job = await jobs.service.submit(request, {
      onProgress: (p) => {
        display.onProgress?.(p);
        const shown = view(p);
        if (shown) bar.update(shown.done, shown.total, shown.fields);
      },
    });
    const onSigint = () => {
      bar.finish(display.cancelMessage ?? 'cancelling…');
      job.cancel();
    };
    process.once('SIGINT', onSigint);
    try {
      return { result: await job.result, recordId: job.recordId };
    } finally {
      process.off('SIGINT', onSigint);
    }
  } finally {
    bar.finish();
    await jobs.close();
  }
}
