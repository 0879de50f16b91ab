/**
 * Serves the built renderer (renderer/dist) as static files: known MIME
 * types only, no directory listings, no dot-files, nothing outside the
 * folder (every path is resolved and checked to stay inside), and the strict
 * Content-Security-Policy on HTML. Unknown paths without an extension get
 * index.html, so the page's own routes survive a reload.
 */
import { createReadStream, existsSync, promises as fs } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Headers every response carries. */
export const COMMON_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export type StaticResult = { status: 200; file: string; mime: string } | { status: 400 | 404; message: string };

/** Maps a URL path to a file inside `root`, or says why not. */
export async function resolveStatic(root: string, urlPath: string): Promise<StaticResult> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { status: 400, message: `Malformed path ${urlPath}` };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 400, message: `Malformed path ${urlPath}` };
  const parts = decoded.split('/').filter(Boolean);
  if (parts.some((p) => p === '..' || p.startsWith('.'))) return { status: 404, message: `Not found: ${urlPath}` };
  const base = path.resolve(root);
  let file = path.resolve(base, ...parts);
  if (file !== base && !file.startsWith(base + path.sep)) return { status: 404, message: `Not found: ${urlPath}` };
  let stat = await fs.stat(file).catch(() => undefined);
  if (stat?.isDirectory()) {
    file = path.join(file, 'index.html');
    stat = await fs.stat(file).catch(() => undefined);
  } else if (!stat && path.extname(file) === '') {
    // A page route (e.g. /library) reloaded in the browser.
    file = path.join(base, 'index.html');
    stat = await fs.stat(file).catch(() => undefined);
  }
  if (!stat?.isFile()) return { status: 404, message: `Not found: ${urlPath}` };
  const mime = MIME[path.extname(file).toLowerCase()];
  if (!mime) return { status: 404, message: `Not found: ${urlPath} (not a file type the app serves)` };
  return { status: 200, file, mime };
}

export function rendererMissingPage(root: string): string {
  return `<!doctype html><meta charset="utf-8"><title>GNC Studio</title><h1>The app's interface is not built</h1>
<p>No built renderer in <code>${root.replace(/[<>&]/g, '')}</code>. Run <code>npm run build:renderer</code> and reload this page.</p>`;
}

export function rendererBuilt(root: string): boolean {
  return existsSync(path.join(root, 'index.html'));
}

export async function sendStatic(res: ServerResponse, root: string, urlPath: string, method: string): Promise<void> {
  if (!rendererBuilt(root)) {
    res.writeHead(503, { ...COMMON_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'Cache-Control': 'no-store' });
    res.end(rendererMissingPage(root));
    return;
  }
  const found = await resolveStatic(root, urlPath);
  if (found.status !== 200) {
    res.writeHead(found.status, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(found.message);
    return;
  }
  const headers: Record<string, string> = { ...COMMON_HEADERS, 'Content-Type': found.mime, 'Cache-Control': 'no-cache' };
  if (found.mime.startsWith('text/html')) headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
  res.writeHead(200, headers);
  if (method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(found.file).on('error', () => res.destroy()).pipe(res);
}
