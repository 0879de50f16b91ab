/**
 * GET /api/events: engine events as Server-Sent Events. Each event is one
 * `id: SEQ` + `data: JSON` message; a comment line every 15 s keeps proxies
 * and the browser from timing the stream out. (SSE rather than WebSocket:
 * the stream is one-way and node:http does it without a dependency.)
 */
import type { ServerResponse } from 'node:http';
import type { EngineEvent, EngineEventListener } from '../app/engine-api.js';
import { COMMON_HEADERS } from './static-files.js';

export const HEARTBEAT_MS = 15_000;

export function openEventStream(res: ServerResponse, subscribe: (listener: EngineEventListener) => () => void, hello: Omit<Extract<EngineEvent, { type: 'hello' }>, 'seq'> & { seq: number }): () => void {
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  const send = (event: EngineEvent) => res.write(`id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`);
  res.write('retry: 2000\n\n');
  send(hello);
  const unsubscribe = subscribe(send);
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    res.end();
  };
  res.on('close', close);
  return close;
}
