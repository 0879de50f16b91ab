/**
 * What the gnc://app/ protocol answers in the Electron window: the built
 * renderer's files (with the CSP on HTML) and, under /api/, the engine's
 * resources (previews, results, downloads) fetched from the engine host. The
 * page is same-origin with both, so the ResourcePaths the engine hands out
 * work in <img src> exactly as they do over the web bridge.
 * Plain data in and out (main.ts wraps it in a Response), so it is tested
 * without Electron.
 */
import { promises as fs } from 'node:fs';
import { httpStatusFor, toApiError } from '../src/app/api-errors.js';
import type { ResourceBytes } from '../src/app/engine-rpc.js';
import { COMMON_HEADERS, CONTENT_SECURITY_POLICY, rendererBuilt, rendererMissingPage, resolveStatic } from '../src/bridge/static-files.js';

export const APP_SCHEME = 'gnc';
export const APP_ORIGIN = 'gnc://app';

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

export interface AppProtocolDeps {
  rendererDir: string;
  resource(path: string, query: string): Promise<ResourceBytes>;
}

function error(status: number, kind: string, message: string): AppResponse {
  return { status, headers: { ...COMMON_HEADERS, 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify({ error: { kind, message } }) };
}

export async function answerAppRequest(url: string, method: string, deps: AppProtocolDeps): Promise<AppResponse> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return error(400, 'invalid-argument', `Malformed URL ${url}`);
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== 'app') return error(404, 'not-found', `Nothing at ${url}`);
  if (method !== 'GET' && method !== 'HEAD') return error(405, 'not-allowed', `${method} is not allowed on ${u.pathname}; the page talks to the engine over IPC`);
  if (u.pathname.startsWith('/api/')) {
    try {
      const r = await deps.resource(u.pathname, u.search.slice(1));
      const headers: Record<string, string> = { ...COMMON_HEADERS, 'Content-Type': r.mime, 'Cache-Control': 'no-cache' };
      if (r.fileName) headers['Content-Disposition'] = `attachment; filename*=UTF-8''${encodeURIComponent(r.fileName)}`;
      return { status: 200, headers, body: r.bytes };
    } catch (err) {
      const e = toApiError(err);
      return error(httpStatusFor(e.kind), e.kind, e.message);
    }
  }
  const html = { ...COMMON_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CONTENT_SECURITY_POLICY };
  if (!rendererBuilt(deps.rendererDir)) return { status: 503, headers: html, body: rendererMissingPage(deps.rendererDir) };
  const found = await resolveStatic(deps.rendererDir, u.pathname);
  if (found.status !== 200) return { status: found.status, headers: { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }, body: found.message };
  const headers: Record<string, string> = { ...COMMON_HEADERS, 'Content-Type': found.mime, 'Cache-Control': 'no-cache' };
  if (found.mime.startsWith('text/html')) headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
  return { status: 200, headers, body: await fs.readFile(found.file) };
}
