/**
 * How CLI commands run their work: on the job service (an engine worker
 * thread, so Ctrl-C can cancel cleanly), recorded in the library unless
 * --no-record. One place so every command records the same way.
 */
import type { Command } from 'commander';
import type { JobRequest, JobResult } from '../jobs/contract.js';
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

/**
 * Runs one job for a CLI command: submit, a progress bar from the job's
 * progress, Ctrl-C → cancel (the job stops at its next tile, step or
 * iteration), and the result once recorded.
 */
export async function runCliJob(o: RecordingOptions & { progress?: boolean; json?: boolean }, request: JobRequest, label: string): Promise<{ result: JobResult; recordId: string | undefined }> {
  const bar = progressBar(label, o.progress ?? (process.stderr.isTTY === true && !o.json));
  const jobs = openCliJobs(o);
  try {
    const job = await jobs.service.submit(request, {
      onProgress: (p) => bar.update(Math.round(p.fraction * 1000), 1000, { '': p.message }),
    });
    const onSigint = () => {
      bar.finish('cancelling…');
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
