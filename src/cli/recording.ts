/**
 * How CLI commands run their work: on the job service (an engine worker
 * thread, so Ctrl-C can cancel cleanly), recorded in the library unless
 * --no-record. One place so every command records the same way.
 */
import type { Command } from 'commander';
import { JobService } from '../jobs/job-service.js';
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
