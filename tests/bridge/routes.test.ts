/**
 * The bridge's route table, the security rules as pure functions, and the
 * contract's documentation: every engine call has exactly one route, and
 * the route list in engine-api.ts's header is the one the server serves.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CALL_NAMES } from '../../src/app/api-validate.js';
import { AppEngine } from '../../src/app/app-engine.js';
import { matchRoute, ROUTES } from '../../src/bridge/routes.js';
import { checkRequest, tokenOf } from '../../src/bridge/security.js';

describe('route table', () => {
  it('has one route per engine call', () => {
    expect(ROUTES.map((r) => r.call).sort()).toEqual([...CALL_NAMES].sort());
  });

  it('matches what engine-api.ts documents, and nothing else', () => {
    const doc = readFileSync(path.resolve('src/app/engine-api.ts'), 'utf8');
    const documented = [...doc.matchAll(/^ \*   (GET|POST|DELETE) +(\/api\/[^\s?]+)/gm)].map(([, method, route]) => ({ method: method!, path: route!.replace(/:id/g, 'x1') }));
    expect(documented.length).toBeGreaterThan(30);
    for (const { method, path: p } of documented) {
      if (p === '/api/events') continue;
      const m = matchRoute(method, p);
      const served = (m && 'route' in m) || (method === 'GET' && AppEngine.isResourcePath(p));
      expect(served, `${method} ${p}`).toBe(true);
    }
    for (const route of ROUTES) {
      const sample = route.pattern.source.slice(1, -1).replaceAll('\\/', '/').replaceAll('([^/]+)', 'x1');
      expect(documented.some((d) => d.method === route.method && d.path === sample), `${route.method} ${sample} is documented`).toBe(true);
    }
  });

  it('answers 405 with the allowed methods for a known path', () => {
    expect(matchRoute('PUT', '/api/jobs')).toEqual({ allowed: ['GET', 'POST'] });
    expect(matchRoute('GET', '/api/nothing')).toBeNull();
  });
});

describe('request checks', () => {
  const port = 4321;
  const secret = 'a'.repeat(64);
  const base = { method: 'GET', url: '/api/info', host: `127.0.0.1:${port}`, origin: undefined, token: secret };

  it('let the app through', () => {
    expect(checkRequest(base, { port, secret })).toBeNull();
    expect(checkRequest({ ...base, url: '/', token: undefined }, { port, secret })).toBeNull();
  });

  it('refuse wrong tokens, hosts and origins with the right status', () => {
    expect(checkRequest({ ...base, token: 'b'.repeat(64) }, { port, secret })?.status).toBe(401);
    expect(checkRequest({ ...base, token: secret.slice(1) }, { port, secret })?.status).toBe(401);
    expect(checkRequest({ ...base, host: '127.0.0.1:9999' }, { port, secret })?.status).toBe(403);
    expect(checkRequest({ ...base, host: undefined }, { port, secret })?.status).toBe(403);
    expect(checkRequest({ ...base, origin: 'null' }, { port, secret })?.status).toBe(403);
  });

  it('take the query token on GET only', () => {
    expect(tokenOf({ method: 'GET', url: `/api/events?token=${secret}`, token: undefined })).toBe(secret);
    expect(tokenOf({ method: 'POST', url: `/api/jobs?token=${secret}`, token: undefined })).toBeUndefined();
  });
});
