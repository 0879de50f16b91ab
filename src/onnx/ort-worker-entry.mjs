// Entry of the onnxruntime worker thread (sync-worker.ts). It raises the
// "exited" flag whenever the thread ends, so a blocked caller never hangs on
// a dead worker, then loads the TypeScript side through tsx (as the engine's
// other workers do; loader hooks are per thread).
import { workerData } from 'node:worker_threads';

const flags = new Int32Array(workerData.flags);
const raiseExited = () => {
  Atomics.store(flags, 1, 1);
  Atomics.notify(flags, 0);
};
process.on('exit', raiseExited);
try {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./ort-worker.ts');
} catch (err) {
  // Answer every request with why the worker could not start.
  const message = `the onnxruntime worker could not start: ${err instanceof Error ? err.message : String(err)}`;
  workerData.port.on('message', (request) => {
    workerData.port.postMessage({ type: 'error', id: request.id, message });
    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
  });
}
