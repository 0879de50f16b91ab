import { describe, expect, it, vi } from 'vitest';
import { HttpEngineApi, TOKEN_HEADER, tokenFromLocation } from '../../renderer/src/lib/api/http.js';
import { createIpcApi } from '../../renderer/src/lib/api/ipc.js';
import { selectApi } from '../../renderer/src/lib/api/select.js';
import { EngineError, type GncPreloadApi } from '../../renderer/src/lib/api/types.js';

function fakeFetch(status = 200, body: unknown = {}) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fn = vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  });
  return { fn: fn as unknown as typeof fetch, calls };
}

describe('HTTP transport', () => {
  it('reads the token from the fragment the bridge prints, or the query', () => {
    expect(tokenFromLocation({ hash: '#token=abc', search: '' })).toBe('abc');
    expect(tokenFromLocation({ hash: '', search: '?token=q1' })).toBe('q1');
    expect(tokenFromLocation({ hash: '', search: '' })).toBeNull();
  });

  it('sends the token header and maps calls to the contract’s routes', async () => {
    const f = fakeFetch();
    const api = new HttpEngineApi({ baseUrl: 'http://127.0.0.1:9/', token: 'sekret', fetch: f.fn });
    await api.info();
    await api.submitJob({ kind: 'denoise', imageId: 'i1', sigma: 25 });
    await api.cancelJob('j 1');
    await api.exportResult({ jobId: 'j1', path: '/x.png', overwrite: true });
    await api.listRuns({ kind: 'denoise', limit: 5 });
    await api.removeRun('r1');
    await api.rerun({ runId: 'r1', overrides: { sigma: 10 } });
    await api.uploadImage({ name: 'a b.png', bytes: new Uint8Array([1, 2, 3]) });
    const seen = f.calls.map((c) => `${c.init.method} ${c.url.replace('http://127.0.0.1:9', '')}`);
    expect(seen).toEqual([
      'GET /api/info',
      'POST /api/jobs',
      'POST /api/jobs/j%201/cancel',
      'POST /api/jobs/j1/export',
      'GET /api/runs?kind=denoise&limit=5',
      'DELETE /api/runs/r1',
      'POST /api/runs/r1/rerun',
      'POST /api/images?name=a%20b.png',
    ]);
    for (const c of f.calls) expect((c.init.headers as Record<string, string>)[TOKEN_HEADER]).toBe('sekret');
    expect(JSON.parse(f.calls[3]!.init.body as string)).toEqual({ path: '/x.png', overwrite: true });
    expect(JSON.parse(f.calls[6]!.init.body as string)).toEqual({ overrides: { sigma: 10 } });
    expect((f.calls[7]!.init.headers as Record<string, string>)['Content-Type']).toBe('application/octet-stream');
  });

  it('turns error bodies into EngineErrors with the engine’s kind and message', async () => {
    const f = fakeFetch(409, { error: { kind: 'exists', message: '/x.png exists' } });
    const api = new HttpEngineApi({ baseUrl: 'http://h', token: 't', fetch: f.fn });
    const err = await api.exportResult({ jobId: 'j', path: '/x.png' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ kind: 'exists', message: '/x.png exists', status: 409 });
    const unauthorised = new HttpEngineApi({ baseUrl: 'http://h', token: 't', fetch: fakeFetch(401, 'nope').fn });
    await expect(unauthorised.info()).rejects.toMatchObject({ kind: 'unauthorized' });
  });

  it('resource URLs carry the token as a query parameter', () => {
    const api = new HttpEngineApi({ baseUrl: 'http://h:1', token: 'a/b', fetch: fakeFetch().fn });
    expect(api.resourceUrl('/api/images/x/preview')).toBe('http://h:1/api/images/x/preview?token=a%2Fb');
    expect(api.resourceUrl('/api/jobs/j/result/download?format=png')).toBe('http://h:1/api/jobs/j/result/download?format=png&token=a%2Fb');
  });

  it('events come over EventSource, parsed, without repeats', () => {
    const sources: Array<{ url: string; onmessage: ((e: { data: string }) => void) | null; close: () => void }> = [];
    class ES {
      onmessage: ((e: { data: string }) => void) | null = null;
      constructor(readonly url: string) {
        sources.push(this);
      }
      close() {}
    }
    const api = new HttpEngineApi({ baseUrl: 'http://h', token: 't', fetch: fakeFetch().fn, EventSource: ES as unknown as typeof EventSource });
    const got: string[] = [];
    const off = api.subscribe((e) => got.push(`${e.type}:${e.seq}`));
    expect(sources[0]!.url).toBe('http://h/api/events?token=t');
    const send = (o: unknown) => sources[0]!.onmessage!({ data: JSON.stringify(o) });
    send({ type: 'hello', seq: 1, version: '1' });
    send({ type: 'running', seq: 2, jobId: 'j' });
    send({ type: 'running', seq: 2, jobId: 'j' });
    sources[0]!.onmessage!({ data: 'not json' });
    send({ type: 'cancelled', seq: 3, jobId: 'j' });
    expect(got).toEqual(['hello:1', 'running:2', 'cancelled:3']);
    off();
  });
});

describe('IPC transport and the choice at startup', () => {
  function preload(): GncPreloadApi & { log: string[] } {
    const log: string[] = [];
    const handler = {
      get(_: unknown, key: string) {
        if (key === 'log') return log;
        if (key === 'transport') return 'ipc';
        if (key === 'onEvent' || key === 'onMenu') return () => () => undefined;
        return async (...args: unknown[]) => {
          log.push(`${key}(${JSON.stringify(args)})`);
          if (key === 'removeRun') return { ok: false, error: { kind: 'not-found', message: 'no run r9' } };
          return { ok: true, value: key };
        };
      },
    };
    return new Proxy({}, handler) as GncPreloadApi & { log: string[] };
  }

  it('forwards every call to window.gnc, unwraps its IpcResults and passes resource paths unchanged', async () => {
    const gnc = preload();
    const api = createIpcApi(gnc);
    expect(api.transport).toBe('ipc');
    expect(await api.submitJob({ kind: 'denoise', imageId: 'i' })).toBe('submitJob');
    await api.getRun('r1');
    const err = await api.removeRun('r9').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ kind: 'not-found', message: 'no run r9' });
    gnc.log.pop();
    expect(gnc.log).toEqual(['submitJob([{"kind":"denoise","imageId":"i"}])', 'getRun(["r1"])']);
    expect(api.resourceUrl('/api/images/i/display')).toBe('/api/images/i/display');
    expect(api.dialogs).toBeDefined();
    expect(await api.dialogs!.showOpenDialog('image')).toBe('showOpenDialog');
    expect(gnc.log.at(-1)).toBe('showOpenDialog(["image"])');
  });

  it('picks IPC when window.gnc exists, else HTTP with the page token, else explains', () => {
    const base = { location: { hash: '#token=zz', search: '', origin: 'http://127.0.0.1:5' } };
    expect(selectApi({ ...base, gnc: preload() } as never).api?.transport).toBe('ipc');
    const http = selectApi(base as never).api!;
    expect(http.transport).toBe('http');
    expect(http.resourceUrl('/api/x')).toBe('http://127.0.0.1:5/api/x?token=zz');
    const none = selectApi({ location: { hash: '', search: '', origin: 'http://x' } } as never);
    expect(none.error).toMatch(/token/);
  });
});
