/**
 * The engine worker: runs jobs one at a time, posting progress and results.
 * The solvers compute synchronously, so a 'cancel' message could only be read
 * after the job; the front end therefore also sets a shared flag that the job
 * polls between tiles and steps (JobContext.poll).
 */
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './contract.js';
import { createJobContext } from './job-context.js';
import { toJobError } from './job-error.js';
import { runJob } from './run-job.js';

const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');

const controllers = new Map<string, AbortController>();
const send = (message: FromWorker) => port.postMessage(message);

port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') {
    controllers.get(message.jobId)?.abort();
    return;
  }
  const { jobId, request } = message;
  const controller = new AbortController();
  controllers.set(jobId, controller);
  const flag = message.cancelFlag ? new Int32Array(message.cancelFlag) : undefined;
  const ctx = createJobContext({
    signal: controller.signal,
    emit: (progress) => send({ type: 'progress', jobId, progress }),
    poll: () => {
      if (flag && Atomics.load(flag, 0) !== 0 && !controller.signal.aborted) controller.abort();
    },
  });
  runJob(request, ctx).then(
    (result) => send({ type: 'result', jobId, result }),
    (err: unknown) => send({ type: 'error', jobId, error: toJobError(err) }),
  ).finally(() => controllers.delete(jobId));
});

send({ type: 'ready' });
