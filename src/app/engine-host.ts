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
import { describeError, LogFile } from '../util/log-file.js';
import { AppEngine } from './app-engine.js';
import { toApiError } from './api-errors.js';
import type { FromHost, ToHost } from './engine-rpc.js';

function send(message: FromHost): void {
  process.send?.(message);
}

/** Exit code of a host that stopped on an uncaught error (the main process then starts a new one). */
export const CRASH_EXIT_CODE = 70;

export async function runEngineHost(): Promise<void> {
  if (!process.send) throw new Error('The engine host must be started with an IPC channel (by the Electron main process)');
  // Its own rotating log in the user's data folder (GNC_LOG_DIR from the main process).
  const log = new LogFile({ name: 'engine' });
  log.info(`engine host started (node ${process.versions.node}${process.versions.electron ? `, electron ${process.versions.electron} as node` : ''}, ${process.platform}-${process.arch})`);
  // An uncaught error leaves the engine in an unknown state: log it and stop, so the main
  // process starts a fresh host (the library is a SQLite file that every write leaves whole).
  const crash = (what: string) => (err: unknown) => {
    log.error(`${what}; the engine host stops`, err);
    process.stderr.write(`gnc engine: ${what}: ${describeError(err)}\n`);
    process.exit(CRASH_EXIT_CODE);
  };
  process.on('uncaughtException', crash('uncaught error'));
  process.on('unhandledRejection', crash('unhandled promise rejection'));
  const engine = new AppEngine({
    transport: 'ipc',
    ...(process.env.GNC_ELECTRON_VERSION ? { electronVersion: process.env.GNC_ELECTRON_VERSION } : {}),
  });
  engine.subscribe((event) => send({ type: 'event', event }));

  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= engine.close().finally(() => {
      log.info('engine host stopped');
      process.exit(0);
    });
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
