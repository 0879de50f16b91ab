/**
 * Preload (placeholder): exposes named, typed methods through contextBridge,
 * never ipcRenderer itself. The engine API arrives with the desktop-app issue.
 */
import { contextBridge } from 'electron';

const api = {
  version: (): string => process.versions.electron ?? 'unknown',
} as const;

export type GncDesktopApi = typeof api;

contextBridge.exposeInMainWorld('gnc', api);
