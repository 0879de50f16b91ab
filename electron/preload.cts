/**
 * Preload: exposes `window.gnc` (engine-api.ts GncPreloadApi) through
 * contextBridge: one named method per engine call and dialog, each bound to
 * its own channel, never ipcRenderer or a generic invoke.
 *
 * A sandboxed preload is CommonJS and may require nothing but 'electron', so
 * this file is self-contained: the method names are listed here, and the
 * `GncPreloadApi` annotation makes the compiler check the list against the
 * contract. The main process validates every argument again.
 */
import electron = require('electron');
import type { IpcRendererEvent } from 'electron';
import type { EngineEvent, GncPreloadApi, IpcResult, MenuCommand } from '../src/app/engine-api.js';

const { contextBridge, ipcRenderer } = electron;

const invoke = (name: string) => (...args: unknown[]): Promise<IpcResult<never>> => ipcRenderer.invoke(`gnc:${name}`, ...args);

function listen<T>(channel: string, listener: (value: T) => void): () => void {
  const wrapped = (_event: IpcRendererEvent, value: T) => listener(value);
  ipcRenderer.on(channel, wrapped);
  return () => {
    ipcRenderer.removeListener(channel, wrapped);
  };
}

const api: GncPreloadApi = {
  transport: 'ipc',
  info: invoke('info'),
  listModels: invoke('listModels'),
  getModel: invoke('getModel'),
  removeModel: invoke('removeModel'),
  tagModel: invoke('tagModel'),
  exportModelBundle: invoke('exportModelBundle'),
  importModelBundle: invoke('importModelBundle'),
  importModelBundlePath: invoke('importModelBundlePath'),
  listImages: invoke('listImages'),
  uploadImage: invoke('uploadImage'),
  openImagePath: invoke('openImagePath'),
  getImage: invoke('getImage'),
  removeImage: invoke('removeImage'),
  uploadMask: invoke('uploadMask'),
  estimateNoise: invoke('estimateNoise'),
  listJobs: invoke('listJobs'),
  submitJob: invoke('submitJob'),
  getJob: invoke('getJob'),
  cancelJob: invoke('cancelJob'),
  exportResult: invoke('exportResult'),
  listRuns: invoke('listRuns'),
  getRun: invoke('getRun'),
  removeRun: invoke('removeRun'),
  rerun: invoke('rerun'),
  listSchedules: invoke('listSchedules'),
  removeSchedule: invoke('removeSchedule'),
  listTraining: invoke('listTraining'),
  getTraining: invoke('getTraining'),
  removeTraining: invoke('removeTraining'),
  checkLibrary: invoke('checkLibrary'),
  labGnc1d: invoke('labGnc1d'),
  labConvex: invoke('labConvex'),
  welcome: invoke('welcome'),
  setWelcome: invoke('setWelcome'),
  openSample: invoke('openSample'),
  prepareGpuSolve: invoke('prepareGpuSolve'),
  showOpenDialog: invoke('showOpenDialog'),
  showSaveDialog: invoke('showSaveDialog'),
  onEvent: (listener) => listen<EngineEvent>('gnc:event', listener),
  onMenu: (listener) => listen<MenuCommand>('gnc:menu', listener),
  onOpenFile: (listener) => listen<string>('gnc:open-file', (value) => {
    if (typeof value === 'string') listener(value);
  }),
};

contextBridge.exposeInMainWorld('gnc', api);
