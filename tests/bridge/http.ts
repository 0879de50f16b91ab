/**
 * Plain node:http requests for the bridge tests: every header under the
 * test's control (Host and Origin included, which fetch() would not allow),
 * and an SSE reader that collects events until a condition holds.
 */
import http from 'node:http';
import type { EngineEvent } from '../../src/app/engine-api.js';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json<T = unknown>(): T;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string | object;
}

export function request(port: number, path: string, options: RequestOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: Buffer | undefined;
  if (Buffer.isBuffer(options.body)) body = options.body;
  else if (typeof options.body === 'string') body = Buffer.from(options.body);
  else if (options.body !== undefined) {
    body = Buffer.from(JSON.stringify(options.body));
    headers['content-type'] ??= 'application/json';
  }
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers, setHost: headers.host === undefined }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const data = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data, json: <T>() => JSON.parse(data.toString('utf8')) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** Opens /api/events and resolves with the events seen once `until` says so (or rejects after `timeoutMs`). */
export function collectEvents(port: number, token: string, until: (events: EngineEvent[]) => boolean, timeoutMs = 60_000): { ready: Promise<void>; done: Promise<EngineEvent[]> } {
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const done = new Promise<EngineEvent[]>((resolve, reject) => {
    const events: EngineEvent[] = [];
    const req = http.get({ host: '127.0.0.1', port, path: `/api/events?token=${token}` }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`events: status ${res.statusCode}`));
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (!data) continue;
          const event = JSON.parse(data) as EngineEvent;
          if (event.type === 'hello') onReady();
          events.push(event);
          if (until(events)) {
            clearTimeout(timer);
            req.destroy();
            resolve(events);
          }
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error('timed out waiting for events'));
    }, timeoutMs);
    req.on('error', () => {});
  });
  return { ready, done };
}
