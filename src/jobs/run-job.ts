/** Runs one job request in the current thread: the worker's dispatcher. */
import type { JobRequest, JobResult } from './contract.js';
import type { JobContext } from './job-context.js';
import { runRestoreJob } from './restore-job.js';
import { runTrainJob } from './train-job.js';
import { runBenchJob } from './bench-job.js';
import { runCompareJob, runLearnScheduleJob, runSampleJob } from './report-jobs.js';
import { validateJobRequest } from './validate-request.js';

export async function runJob(request: JobRequest, ctx: JobContext): Promise<JobResult> {
  // Requests reach the worker from other processes in the app; check them here too.
  validateJobRequest(request);
  switch (request.kind) {
    case 'denoise':
    case 'inpaint':
      return runRestoreJob(request, ctx);
    case 'train':
      return runTrainJob(request, ctx);
    case 'bench':
      return runBenchJob(request, ctx);
    case 'compare':
      return runCompareJob(request, ctx);
    case 'learn-schedule':
      return runLearnScheduleJob(request, ctx);
    case 'sample':
      return runSampleJob(request, ctx);
  }
}
