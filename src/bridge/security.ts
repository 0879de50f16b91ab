/**
 * Who may talk to the web bridge. It listens on 127.0.0.1 only, but any web
 * page the user visits can still make the browser send requests there, so:
 *
 *   - Host must be 127.0.0.1:PORT or localhost:PORT: a page on an attacker's
 *     domain rebound to 127.0.0.1 (DNS rebinding) still sends its own Host;
 *   - an Origin header, when present, must be exactly http://127.0.0.1:PORT:
 *     other pages' fetches carry their own origin;
 *   - every /api/ request must carry the per-launch secret, in the
 *     X-GNC-Token header, or for GET requests (EventSource, <img>, download
 *     links cannot set headers) in the query `token=`.
 *
 * Pure functions over the request's parts, so they are tested directly.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ApiErrorKind } from '../app/engine-api.js';

export const TOKEN_HEADER = 'x-gnc-token';

export interface RequestParts {
  method: string;
  /** Path and query as received. */
  url: string;
  host: string | undefined;
  origin: string | undefined;
  token: string | undefined;
}

export interface Refusal {
  status: 401 | 403;
  kind: Extract<ApiErrorKind, 'unauthorized' | 'forbidden'>;
  message: string;
}

export function sameSecret(given: string | undefined, secret: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function allowedOrigin(port: number): string {
  return `http://127.0.0.1:${port}`;
}

export function checkHost(host: string | undefined, port: number): Refusal | null {
  if (host === `127.0.0.1:${port}` || host === `localhost:${port}`) return null;
  return { status: 403, kind: 'forbidden', message: `Refused: the Host header is ${JSON.stringify(host ?? '')}; expected 127.0.0.1:${port} or localhost:${port}` };
}

export function checkOrigin(origin: string | undefined, port: number): Refusal | null {
  if (origin === undefined || origin === allowedOrigin(port)) return null;
  return { status: 403, kind: 'forbidden', message: `Refused: requests from ${origin} are not allowed; expected the origin ${allowedOrigin(port)}` };
}

/** The token a request carries: the header, else (GET only) the query. */
export function tokenOf(parts: Pick<RequestParts, 'method' | 'url' | 'token'>): string | undefined {
  if (parts.token !== undefined) return parts.token;
  if (parts.method !== 'GET' && parts.method !== 'HEAD') return undefined;
  return new URL(parts.url, 'http://127.0.0.1').searchParams.get('token') ?? undefined;
}

/** The first reason to refuse this request, or null. Static files need no token; /api/ does. */
export function checkRequest(parts: RequestParts, options: { port: number; secret: string }): Refusal | null {
  const hostProblem = checkHost(parts.host, options.port);
  if (hostProblem) return hostProblem;
  const originProblem = checkOrigin(parts.origin, options.port);
  if (originProblem) return originProblem;
  const pathname = new URL(parts.url, 'http://127.0.0.1').pathname;
  if (pathname === '/api' || pathname.startsWith('/api/')) {
    if (!sameSecret(tokenOf(parts), options.secret)) {
      return {
        status: 401,
        kind: 'unauthorized',
        message: `Missing or wrong token: send the secret printed at launch in the ${TOKEN_HEADER} header (or ?token= on GET requests)`,
      };
    }
  }
  return null;
}
