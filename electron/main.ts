/**
 * Electron main process: glue only. It opens the window (locked down by
 * window-policy.ts, page served from gnc://app/ by app-protocol.ts), builds
 * the menu (menu.ts), starts the engine host (a separate Node process: see
 * src/app/engine-host.ts for why; runtime-paths.ts for where it is in
 * development and when packaged) under a supervisor that restarts it if it
 * crashes, and brokers every IPC call through ipc-broker.ts. Nothing heavy
 * runs here. It writes only to the user's data folder (logs/ included).
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineClient } from '../src/app/engine-client.js';
import { EngineSupervisor } from '../src/app/engine-supervisor.js';
import { LogFile } from '../src/util/log-file.js';
import { APP_NAME, userDataDir } from '../src/util/paths.js';
import { answerAppRequest, APP_ORIGIN, APP_SCHEME } from './app-protocol.js';
import { electronDialogs } from './electron-dialogs.js';
import { EVENT_CHANNEL, IpcBroker, MENU_CHANNEL, OPEN_FILE_CHANNEL } from './ipc-broker.js';
import { buildMenuTemplate } from './menu.js';
import { imagePathsFromArgv, OpenQueue } from './open-files.js';
import { runtimePaths } from './runtime-paths.js';
import { contentsGuards, denyPermissionCheck, denyPermissionRequest, secureWebPreferences } from './window-policy.js';

const here = path.dirname(fileURLToPath(import.meta.url));

// The same data folder as the CLI's (design.md), whatever name package.json gives the app.
app.setName(APP_NAME);
app.setPath('userData', userDataDir());
const paths = runtimePaths({
  packaged: app.isPackaged,
  appPath: app.getAppPath(),
  resourcesPath: process.resourcesPath,
  execPath: process.execPath,
  userData: app.getPath('userData'),
  env: process.env,
});
const log = new LogFile({ dir: paths.logDir, name: 'main', echo: !app.isPackaged });
log.info(`GNC Studio ${app.getVersion()} starting (electron ${process.versions.electron}, ${app.isPackaged ? 'packaged' : 'development'}, ${process.platform}-${process.arch})`);
process.on('uncaughtException', (err) => {
  log.error('uncaught error in the main process', err);
  dialog.showErrorBox('GNC Studio: unexpected error', `${err.message}\n\nDetails are in the log folder: ${paths.logDir}`);
});
process.on('unhandledRejection', (err) => log.error('unhandled promise rejection in the main process', err));

// One app at a time: a second start (e.g. opening another photo from the file manager) hands its photos to the first.
if (!app.requestSingleInstanceLock()) app.exit(0);
const opens = new OpenQueue();
opens.add(imagePathsFromArgv(process.argv, { packaged: app.isPackaged }));
app.on('second-instance', (_event, argv, cwd) => {
  opens.add(imagePathsFromArgv(argv, { packaged: app.isPackaged, cwd }));
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});
// macOS hands files over as events, before 'ready' when the app is started by opening one.
app.on('open-file', (event, file) => {
  event.preventDefault();
  opens.add([file]);
});
/** Set once the broker exists: lets the broker accept the path, then tells the page. */
let deliverOpen: ((file: string) => void) | undefined;

// Must happen before 'ready': a standard, secure scheme gets an origin, so CSP 'self' and fetch work.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

let win: BrowserWindow | undefined;
let engine: EngineSupervisor | undefined;

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    title: 'GNC Studio',
    icon: paths.windowIcon,
    show: false,
    webPreferences: secureWebPreferences(path.join(here, 'preload.cjs')),
  });
  w.once('ready-to-show', () => w.show());
  // Photos to open wait until the page (and its listener) has loaded; a reload or a closed window holds them again.
  w.webContents.on('did-finish-load', () => {
    if (deliverOpen) opens.ready(deliverOpen);
  });
  w.webContents.on('did-start-loading', () => opens.pause());
  w.on('closed', () => {
    opens.pause();
    if (win === w) win = undefined;
  });
  void w.loadURL(`${APP_ORIGIN}/index.html`);
  return w;
}

async function showAbout(): Promise<void> {
  const info = (await engine?.call('info', []).catch(() => undefined)) as { version?: string; libraryPath?: string; backend?: { name: string } | null } | undefined;
  const detail = [
    `Version ${info?.version ?? app.getVersion()}`,
    `Electron ${process.versions.electron}, engine on ${app.isPackaged ? "Electron's Node" : 'the system Node'}${engine?.restarts ? ` (restarted ${engine.restarts}×)` : ''}`,
    `Logs: ${paths.logDir}`,
    info?.backend ? `Backend: ${info.backend.name}` : 'Backend: chosen when the first job runs',
    info?.libraryPath ? `Library: ${info.libraryPath}` : '',
  ].filter(Boolean);
  const options = { type: 'info' as const, title: 'About GNC Studio', message: 'GNC Studio', detail: detail.join('\n'), buttons: ['OK'] };
  if (win) await dialog.showMessageBox(win, options);
  else await dialog.showMessageBox(options);
}

/** Starts one engine host; its output goes to the main log (and the terminal in development). */
function startEngineHost(): Promise<EngineClient> {
  return EngineClient.start({
    node: paths.engine.node,
    entry: paths.engine.entry,
    env: { ...paths.engine.env, GNC_ELECTRON_VERSION: process.versions.electron ?? '' },
    output: (text, stream) => {
      if (!app.isPackaged) process[stream].write(text);
      for (const line of text.split('\n')) if (line.trim()) log.write(stream === 'stderr' ? 'warn' : 'info', `engine: ${line}`);
    },
  });
}

async function start(): Promise<void> {
  try {
    engine = await EngineSupervisor.start({ start: startEngineHost, log: (level, message) => log.write(level, message) });
  } catch (err) {
    log.error('cannot start the engine', err);
    const hint = app.isPackaged
      ? `Details are in the log folder: ${paths.logDir}`
      : "In development the engine runs under the system's Node.js 20 or later (set GNC_NODE to its path).";
    dialog.showErrorBox('GNC Studio cannot start its engine', `${(err as Error).message}\n\n${hint}`);
    app.exit(1);
    return;
  }
  const running = engine;
  // A crashed engine is restarted by the supervisor; the page hears 'engine-restarted' and says so.
  running.onRestart((info) => log.warn(`engine restarted after it stopped (${info.reason}); restart ${info.restarts}`));
  running.onGiveUp((reason) => {
    dialog.showErrorBox('The GNC Studio engine stopped', `${reason}.\n\nThe library is safe. GNC Studio will close; details are in ${paths.logDir}.`);
    app.exit(1);
  });

  protocol.handle(APP_SCHEME, async (request) => {
    const r = await answerAppRequest(request.url, request.method, { rendererDir: paths.rendererDir, resource: (p, q) => running.resource(p, q) });
    return new Response(typeof r.body === 'string' ? r.body : new Uint8Array(r.body), { status: r.status, headers: r.headers });
  });
  session.defaultSession.setPermissionRequestHandler(denyPermissionRequest);
  session.defaultSession.setPermissionCheckHandler(denyPermissionCheck);
  const guards = contentsGuards((m) => console.warn(`gnc: ${m}`));
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => guards.blockNavigation(event, url));
    contents.on('will-redirect', (event, url) => guards.blockNavigation(event, url));
    contents.on('will-attach-webview', (event) => guards.blockWebview(event));
    contents.setWindowOpenHandler((details) => guards.denyWindowOpen(details));
  });

  const broker = new IpcBroker(running, electronDialogs(() => win));
  for (const channel of broker.channels()) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => broker.handle(channel, event.senderFrame?.url ?? '', args));
  }
  running.subscribe((event) => win?.webContents.send(EVENT_CHANNEL, event));
  deliverOpen = (file) => {
    broker.allowRead(file);
    log.info(`opening ${file} (asked by the operating system)`);
    win?.webContents.send(OPEN_FILE_CHANNEL, file);
  };

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate(
        {
          send: (command) => win?.webContents.send(MENU_CHANNEL, command),
          about: () => void showAbout(),
          quit: () => app.quit(),
          openLogs: () => void shell.openPath(paths.logDir),
        },
        process.platform,
      ),
    ),
  );
  win = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
  });
}

void app.whenReady().then(start);

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Let the engine cancel its jobs, close the library and remove the session folder before the app exits.
let stopping = false;
app.on('before-quit', (event) => {
  if (!engine || stopping) return;
  stopping = true;
  event.preventDefault();
  void engine.close().finally(() => {
    log.info('GNC Studio stopped');
    app.exit(0);
  });
});
