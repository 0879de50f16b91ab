/**
 * EngineApi over Electron IPC: `window.gnc` from the preload (one named
 * method per capability, never raw ipcRenderer), whose answers are
 * IpcResults turned back into values and errors here. The page is served from
 * gnc://app/, whose protocol handler answers /api/ GETs, so resource paths are
 * used as they are.
 */
import type { EngineApi, EngineCallName, EngineCalls, GncPreloadApi, IpcResult } from './types.js';
import { EngineError } from './types.js';

/** Turns the preload's IpcResult back into a value, or an EngineError with the engine's kind. */
export async function unwrap<T>(answer: Promise<IpcResult<T>> | IpcResult<T>): Promise<T> {
  const r = await answer;
  if (r && typeof r === 'object' && 'ok' in r) {
    if (r.ok) return r.value;
    const error = r.error ?? { kind: 'internal', message: 'The desktop bridge reported an error without details' };
    throw new EngineError(error.kind, error.message);
  }
  throw new EngineError('internal', 'The desktop bridge answered something that is not a result');
}

/** Every call, checked by the compiler against the contract (a missing or extra name fails). */
const CALL_SET: Record<EngineCallName, true> = {
  info: true,
  listModels: true,
  getModel: true,
  removeModel: true,
  tagModel: true,
  exportModelBundle: true,
  importModelBundle: true,
  importModelBundlePath: true,
  listImages: true,
  uploadImage: true,
  openImagePath: true,
  getImage: true,
  removeImage: true,
  uploadMask: true,
  estimateNoise: true,
  listJobs: true,
  submitJob: true,
  getJob: true,
  cancelJob: true,
  exportResult: true,
  listRuns: true,
  getRun: true,
  removeRun: true,
  rerun: true,
  listSchedules: true,
  removeSchedule: true,
  listTraining: true,
  getTraining: true,
  removeTraining: true,
  checkLibrary: true,
  labGnc1d: true,
  labConvex: true,
  welcome: true,
  setWelcome: true,
  openSample: true,
  prepareGpuSolve: true,
};
const CALLS = Object.keys(CALL_SET) as EngineCallName[];

export function createIpcApi(gnc: GncPreloadApi): EngineApi {
  const calls = {} as Record<EngineCallName, (...args: unknown[]) => Promise<unknown>>;
  for (const name of CALLS) {
    calls[name] = (...args: unknown[]) => {
      const fn = gnc[name] as unknown as ((...a: unknown[]) => Promise<IpcResult<unknown>>) | undefined;
      if (typeof fn !== 'function') return Promise.reject(new EngineError('not-allowed', `The desktop bridge has no ${name}()`));
      return unwrap(fn(...args));
    };
  }
  return {
    ...(calls as unknown as EngineCalls),
    transport: 'ipc',
    subscribe: (listener) => gnc.onEvent(listener),
    resourceUrl: (path) => path,
    dialogs: {
      showOpenDialog: (kind) => unwrap(gnc.showOpenDialog(kind)),
      showSaveDialog: (kind, name) => unwrap(gnc.showSaveDialog(kind, name)),
    },
    onMenu: (listener) => gnc.onMenu(listener),
    onOpenFile: (listener) => gnc.onOpenFile(listener),
  };
}

export { CALLS as IPC_CALLS };
