/**
 * `gnc app`: the whole app in a browser. Starts the engine (job workers,
 * library, session folder) and the web bridge on 127.0.0.1, prints one line
 * (the URL with this launch's secret) on stdout, optionally opens a browser,
 * and runs until SIGINT/SIGTERM, then cancels jobs, closes the library and
 * removes the session folder before exiting.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { projectRoot } from '../util/paths.js';
import { parseInteger } from './options.js';

interface AppOptions {
  port: number;
  open: boolean;
  library?: string;
  renderer?: string;
}

/** Opens the URL in the user's browser; quietly does nothing where there is none (no display, no opener). */
function openBrowser(url: string): void {
  const platform = process.platform;
  if (platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  const [cmd, args] =
    platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['rundll32', ['url.dll,FileProtocolHandler', url]] : ['xdg-open', [url]];
  try {
    spawn(cmd as string, args as string[], { detached: true, stdio: 'ignore' }).on('error', () => {}).unref();
  } catch {
    /* no opener: the printed URL is enough */
  }
}

/**
 * Resolves on the first SIGINT/SIGTERM. Repeats within 2 s are ignored: a
 * Ctrl-C reaches both `npm start`'s launcher and this process, and the
 * launcher forwards it again, which must not cut the clean-up short. A
 * later repeat means the user insists: exit at once.
 */
function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first = 0;
    const on = (signal: NodeJS.Signals) => {
      if (first === 0) {
        first = Date.now();
        resolve(signal);
      } else if (Date.now() - first > 2000) {
        process.exit(130);
      }
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export function addAppCommand(program: Command): void {
  program
    .command('app')
    .description('Run the app in a browser: serves the interface and the engine on 127.0.0.1 and prints the URL (with a per-launch secret)')
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', parseInteger('--port', 0, 65535), 0)
    .option('--no-open', 'do not open a browser')
    .option('--library <path>', 'library database (default: GNC_LIBRARY, else the user data folder)')
    .option('--renderer <dir>', 'built renderer to serve (default: renderer/dist)')
    .action(async (o: AppOptions) => {
      // Loaded here, not at the top: every other gnc command would otherwise pay for sharp and the library.
      const { AppEngine } = await import('../app/app-engine.js');
      const { startBridge } = await import('../bridge/server.js');
      const { rendererBuilt } = await import('../bridge/static-files.js');
      const staticDir = path.resolve(o.renderer ?? path.join(projectRoot(), 'renderer', 'dist'));
      if (!rendererBuilt(staticDir)) {
        process.stderr.write(`gnc app: no built interface in ${staticDir}; run \`npm run build:renderer\` (the API works meanwhile)\n`);
      }
      const version = (JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
      // A rotating log in the user data folder (logs/app.log), as the desktop app keeps main.log and engine.log.
      const { LogFile } = await import('../util/log-file.js');
      const log = new LogFile({ name: 'app' });
      process.on('uncaughtException', (err) => {
        log.error('uncaught error; gnc app stops (the library is left as its last transaction did)', err);
        process.stderr.write(`gnc app: uncaught error: ${(err as Error).stack ?? err}\n`);
        process.exit(70);
      });
      const engine = new AppEngine({ transport: 'http', ...(o.library ? { libraryPath: o.library } : {}) });
      let bridge;
      try {
        bridge = await startBridge({ engine, port: o.port, staticDir, version });
      } catch (err) {
        log.error('gnc app could not start', err);
        await engine.close();
        throw err;
      }
      // The port only: the URL's token is a secret and never goes into a file.
      log.info(`gnc app ${version} serving on 127.0.0.1:${new URL(bridge.url).port} (library ${engine.library.path})`);
      process.stdout.write(`${bridge.url}\n`);
      if (o.open) openBrowser(bridge.url);
      await waitForSignal();
      await bridge.close();
      await engine.close();
      log.info('gnc app stopped');
    });
}
