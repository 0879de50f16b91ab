/**
 * The HTTP route table of the engine API: one route per `EngineCalls`
 * method (the table in engine-api.ts's header comment, which this must
 * match; tests/bridge checks every call has a route). A route only says how
 * to build the call's arguments from the request; the engine validates them.
 */
import type { IncomingMessage } from 'node:http';
import { ApiFailure } from '../app/api-errors.js';
import type { EngineCallName } from '../app/engine-api.js';
import { MAX_UPLOAD_BYTES, readBody, readJson } from './body.js';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface RouteContext {
  req: IncomingMessage;
  params: string[];
  query: URLSearchParams;
}

export interface Route {
  method: Method;
  pattern: RegExp;
  call: EngineCallName;
  args(ctx: RouteContext): Promise<unknown[]>;
}

const ID = '([^/]+)';
const p = (path: string) => new RegExp(`^${path.replaceAll(':id', ID)}$`);

const none = async () => [];
const id = async ({ params }: RouteContext) => [decodeURIComponent(params[0]!)];
const json = async ({ req }: RouteContext) => [await readJson(req)];
const idAndJson = async (ctx: RouteContext) => [decodeURIComponent(ctx.params[0]!), (await readJson(ctx.req)) ?? {}];
/** Optional JSON: absent → no argument, so the call's default applies. */
const optionalJson = async ({ req }: RouteContext) => {
  const body = await readJson(req);
  return body === undefined ? [] : [body];
};

/** A file sent as the raw body; its name in ?name=. */
async function upload({ req, query }: RouteContext, what: string): Promise<{ name: string; bytes: Uint8Array }> {
  const name = query.get('name');
  if (!name) throw new ApiFailure('invalid-argument', `Expected the file name in the query (?name=photo.png) for the ${what} upload`);
  const bytes = await readBody(req, MAX_UPLOAD_BYTES, what);
  return { name, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** Merges an id from the path into a JSON body (`{...body, [field]: id}`). */
const bodyWith = (field: string) => async (ctx: RouteContext) => {
  const body = (await readJson(ctx.req)) ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiFailure('invalid-argument', 'Expected a JSON object as the request body');
  return [{ ...(body as object), [field]: decodeURIComponent(ctx.params[0]!) }];
};

function runQuery({ query }: RouteContext): unknown[] {
  const q: Record<string, unknown> = {};
  for (const [key, value] of query) {
    if (key === 'token') continue;
    q[key] = key === 'limit' ? Number(value) : value;
  }
  return Object.keys(q).length ? [q] : [];
}

export const ROUTES: Route[] = [
  { method: 'GET', pattern: p('/api/info'), call: 'info', args: none },
  { method: 'GET', pattern: p('/api/models'), call: 'listModels', args: none },
  { method: 'GET', pattern: p('/api/models/:id'), call: 'getModel', args: id },
  { method: 'DELETE', pattern: p('/api/models/:id'), call: 'removeModel', args: id },
  { method: 'POST', pattern: p('/api/models/:id/tags'), call: 'tagModel', args: idAndJson },
  { method: 'POST', pattern: p('/api/models/:id/bundle/export'), call: 'exportModelBundle', args: idAndJson },
  { method: 'POST', pattern: p('/api/bundles'), call: 'importModelBundle', args: async (ctx) => [await upload(ctx, 'model bundle')] },
  { method: 'POST', pattern: p('/api/bundles/import'), call: 'importModelBundlePath', args: json },
  { method: 'GET', pattern: p('/api/images'), call: 'listImages', args: none },
  { method: 'POST', pattern: p('/api/images'), call: 'uploadImage', args: async (ctx) => [await upload(ctx, 'image')] },
  { method: 'POST', pattern: p('/api/images/open'), call: 'openImagePath', args: json },
  { method: 'GET', pattern: p('/api/images/:id'), call: 'getImage', args: id },
  { method: 'DELETE', pattern: p('/api/images/:id'), call: 'removeImage', args: id },
  {
    method: 'POST',
    pattern: p('/api/images/:id/mask'),
    call: 'uploadMask',
    args: async (ctx) => [decodeURIComponent(ctx.params[0]!), await upload(ctx, 'mask')],
  },
  { method: 'POST', pattern: p('/api/images/:id/noise-estimate'), call: 'estimateNoise', args: id },
  { method: 'GET', pattern: p('/api/jobs'), call: 'listJobs', args: none },
  { method: 'POST', pattern: p('/api/jobs'), call: 'submitJob', args: json },
  { method: 'GET', pattern: p('/api/jobs/:id'), call: 'getJob', args: id },
  { method: 'POST', pattern: p('/api/jobs/:id/cancel'), call: 'cancelJob', args: id },
  { method: 'POST', pattern: p('/api/jobs/:id/export'), call: 'exportResult', args: bodyWith('jobId') },
  { method: 'GET', pattern: p('/api/runs'), call: 'listRuns', args: async (ctx) => runQuery(ctx) },
  { method: 'GET', pattern: p('/api/runs/:id'), call: 'getRun', args: id },
  { method: 'DELETE', pattern: p('/api/runs/:id'), call: 'removeRun', args: id },
  { method: 'POST', pattern: p('/api/runs/:id/rerun'), call: 'rerun', args: bodyWith('runId') },
  { method: 'GET', pattern: p('/api/schedules'), call: 'listSchedules', args: none },
  { method: 'DELETE', pattern: p('/api/schedules/:id'), call: 'removeSchedule', args: id },
  { method: 'GET', pattern: p('/api/training'), call: 'listTraining', args: none },
  { method: 'GET', pattern: p('/api/training/:id'), call: 'getTraining', args: id },
  { method: 'DELETE', pattern: p('/api/training/:id'), call: 'removeTraining', args: id },
  { method: 'POST', pattern: p('/api/library/check'), call: 'checkLibrary', args: optionalJson },
  { method: 'POST', pattern: p('/api/lab/gnc1d'), call: 'labGnc1d', args: json },
  { method: 'POST', pattern: p('/api/lab/convex'), call: 'labConvex', args: json },
  { method: 'GET', pattern: p('/api/welcome'), call: 'welcome', args: none },
  { method: 'POST', pattern: p('/api/welcome'), call: 'setWelcome', args: json },
  { method: 'POST', pattern: p('/api/images/sample'), call: 'openSample', args: none },
  { method: 'POST', pattern: p('/api/gpu/plan'), call: 'prepareGpuSolve', args: json },
];

export type RouteMatch = { route: Route; params: string[] } | { allowed: Method[] } | null;

/** The route for a method and path; `{allowed}` when the path exists under other methods (405). */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const allowed: Method[] = [];
  for (const route of ROUTES) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    if (route.method === method) return { route, params: m.slice(1) };
    allowed.push(route.method);
  }
  return allowed.length ? { allowed } : null;
}
