/**
 * The web bridge: the built renderer and the engine API over HTTP on
 * 127.0.0.1, so the same interface runs in any browser (and `npm start`
 * works where Electron cannot). One per-launch secret guards the API; see
 * security.ts for the Host/Origin/token rules and engine-api.ts for routes.
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { httpStatusFor, toApiError } from '../app/api-errors.js';
import type { Resource } from '../app/app-engine.js';
import type { ApiError, EngineEventListener } from '../app/engine-api.js';
import { matchRoute } from './routes.js';
import { checkRequest, TOKEN_HEADER } from './security.js';
import { openEventStream } from './sse.js';
import { GncError } from '../util/errors.js';
import { COMMON_HEADERS, sendStatic } from './static-files.js';

/** What the bridge needs of an engine (AppEngine has it). */
export interface BridgeEngine {
  call(name: string, args: unknown[]): Promise<unknown>;
  resource(pathname: string, query: URLSearchParams): Promise<Resource>;
  subscribe(listener: EngineEventListener): () => void;
  readonly events: { readonly seq: number };
}

export interface BridgeOptions {
  engine: BridgeEngine;
  /** 0 = any free port. */
  port?: number;
  /** The built renderer (renderer/dist). */
  staticDir: string;
  /** For tests; default 32 random bytes as hex. */
  secret?: string;
  version: string;
}

export interface Bridge {
  readonly port: number;
  readonly secret: string;
  /** http://127.0.0.1:PORT/#token=SECRET — the one line `gnc app` prints. */
  readonly url: string;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  res.end(text);
}

function sendError(res: ServerResponse, error: ApiError, status = httpStatusFor(error.kind), extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // An unread upload is still arriving: close the connection instead of reading it all.
  sendJson(res, status, { error }, status === 413 ? { ...extra, Connection: 'close' } : extra);
}

function sendResource(res: ServerResponse, resource: Resource, method: string): void {
  const headers: Record<string, string> = { ...COMMON_HEADERS, 'Content-Type': resource.mime, 'Cache-Control': 'no-cache' };
  if (resource.kind === 'bytes') {
    if (resource.fileName) headers['Content-Disposition'] = `attachment; filename*=UTF-8''${encodeURIComponent(resource.fileName)}`;
    headers['Content-Length'] = String(resource.bytes.length);
    res.writeHead(200, headers);
    res.end(method === 'HEAD' ? undefined : resource.bytes);
    return;
  }
  res.writeHead(200, headers);
  if (method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(resource.file).on('error', () => res.destroy()).pipe(res);
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const streams = new Set<() => void>();
  let port = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const refusal = checkRequest({ method, url: req.url ?? '/', host: header('host'), origin: header('origin'), token: header(TOKEN_HEADER) }, { port, secret });
    if (refusal) {
      sendError(res, { kind: refusal.kind, message: refusal.message }, refusal.status);
      return;
    }
    const { pathname } = url;
    if (pathname !== '/api' && !pathname.startsWith('/api/')) {
      if (method !== 'GET' && method !== 'HEAD') {
        sendError(res, { kind: 'not-allowed', message: `${method} is not allowed on ${pathname}; the app's pages are read with GET` }, 405, { Allow: 'GET, HEAD' });
        return;
      }
      // The page opened as http://localhost:PORT would send an Origin the API refuses: move it to 127.0.0.1.
      if (header('host') === `localhost:${port}`) {
        res.writeHead(307, { ...COMMON_HEADERS, Location: `http://127.0.0.1:${port}${req.url ?? '/'}` });
        res.end();
        return;
      }
      await sendStatic(res, options.staticDir, pathname, method);
      return;
    }
    if (pathname === '/api/events') {
      if (method !== 'GET') {
        sendError(res, { kind: 'not-allowed', message: `${method} is not allowed on /api/events; expected GET (an EventSource)` }, 405, { Allow: 'GET' });
        return;
      }
      const close = openEventStream(res, (l) => options.engine.subscribe(l), { type: 'hello', version: options.version, seq: options.engine.events.seq });
      streams.add(close);
      res.on('close', () => streams.delete(close));
      return;
    }
    const match = matchRoute(method, pathname);
    if (match && 'route' in match) {
      const args = await match.route.args({ req, params: match.params, query: url.searchParams });
      const value = await options.engine.call(match.route.call, args);
      sendJson(res, 200, value);
      return;
    }
    if (match && 'allowed' in match) {
      sendError(res, { kind: 'not-allowed', message: `${method} is not allowed on ${pathname}; expected ${match.allowed.join(' or ')}` }, 405, { Allow: match.allowed.join(', ') });
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      sendResource(res, await options.engine.resource(pathname, url.searchParams), method);
      return;
    }
    sendError(res, { kind: 'not-found', message: `No API route ${method} ${pathname}` }, 404);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, toApiError(err)));
  });
  // Keeps slow uploads of big photos alive, but not forever.
  server.requestTimeout = 10 * 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new GncError('io', `Cannot serve on 127.0.0.1:${options.port ?? 0}: ${why}; choose another --port (0 picks a free one)`, { cause: err }));
    });
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    secret,
    url: `http://127.0.0.1:${port}/#token=${secret}`,
    async close() {
      for (const close of streams) close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
