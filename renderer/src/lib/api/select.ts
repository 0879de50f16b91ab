/**
 * Picks the transport at startup: the Electron preload's `window.gnc` when it
 * is there, else the web bridge over HTTP with the token from the page URL.
 */
import type { EngineApi, GncPreloadApi } from './types.js';
import { HttpEngineApi, tokenFromLocation } from './http.js';
import { createIpcApi } from './ipc.js';

export type ApiChoice = { api: EngineApi; error?: undefined } | { api?: undefined; error: string };

export function selectApi(win: Window & { gnc?: GncPreloadApi } = window): ApiChoice {
  if (win.gnc && typeof win.gnc === 'object') return { api: createIpcApi(win.gnc) };
  const token = tokenFromLocation(win.location);
  if (!token) {
    return {
      error:
        'This page needs the access token that `gnc app` printed. Open the exact address it printed (it ends with #token=…), or start the desktop app.',
    };
  }
  return { api: new HttpEngineApi({ baseUrl: win.location.origin, token }) };
}
