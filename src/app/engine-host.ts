/**
 * The engine host: a plain Node process that runs the AppEngine (job
 * workers, SQLite library, session folder) for the Electron app and answers
 * engine-rpc messages from the main process.
 *
 * Why a separate Node process and not Electron's own: better-sqlite3 is a
 * native module built for one ABI. `npm install` builds it for the system
 * Node (which the CLI and tests use); Electron's Node has another ABI and
 * would need it rebuilt against Electron's headers. Running the engine under
 * the system `node` lets one build serve the CLI, the tests and the app in
 * development. A packaged app has no system Node to rely on: packaging would
 * either ship a Node binary beside the app, or run this same module in an
 * Electron utilityProcess after `@electron/rebuild` has rebuilt
 * better-sqlite3 for Electron (electron-builder does that at package time).
 */
import { promises as fs } from 'node:fs';
import { AppEngine } from './app-engine.js';
import { toApiError } from './api-errors.js';
import type { FromHost, ToHost } from './engine-rpc.js';

function send(message: FromHost): void {
  process.send?.(message);
}

export async function runEngineHost(): Promise<void> {
  if (!process.send) throw new Error('The engine host must be started with an IPC channel (by the Electron main process)');
  const engine = new AppEngine({
    transport: 'ipc',
    ...(process.env.GNC_ELECTRON_VERSION ? { electronVersion: process.env.GNC_ELECTRON_VERSION } : {}),
  });
  engine.subscribe((event) => send({ type: 'event', event }));

  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= engine.close().finally(() => process.exit(0));
    return closing;
  };

  process.on('message', (message: ToHost) => {
    if (message.type === 'shutdown') {
      void shutdown();
      return;
    }
    if (message.type === 'call') {
      engine.call(message.name, message.args).then(
        (value) => send({ type: 'reply', id: message.id, ok: true, value }),
        (err: unknown) => send({ type: 'reply', id: message.id, ok: false, error: toApiError(err) }),
      );
      return;
    }
    if (message.type === 'resource') {
      engine
        .resource(message.path, new URLSearchParams(message.query))
        .then(async (r) => (r.kind === 'file' ? { mime: r.mime, bytes: await fs.readFile(r.file) } : { mime: r.mime, bytes: r.bytes, ...(r.fileName ? { fileName: r.fileName } : {}) }))
        .then(
          (value) => send({ type: 'reply', id: message.id, ok: true, value }),
          (err: unknown) => send({ type: 'reply', id: message.id, ok: false, error: toApiError(err) }),
        );
    }
  });
  // The main process went away (crash, kill): clean up rather than linger.
  process.on('disconnect', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  send({ type: 'ready', pid: process.pid });
}
