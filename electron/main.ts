/**
 * Electron main process: glue only. It opens the window (locked down by
 * window-policy.ts, page served from gnc://app/ by app-protocol.ts), builds
 * the menu (menu.ts), starts the engine host (a plain Node child process:
 * see src/app/engine-host.ts for why), and brokers every IPC call through
 * ipc-broker.ts. Nothing heavy runs here.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineClient } from '../src/app/engine-client.js';
import { answerAppRequest, APP_ORIGIN, APP_SCHEME } from './app-protocol.js';
import { electronDialogs } from './electron-dialogs.js';
import { EVENT_CHANNEL, IpcBroker, MENU_CHANNEL } from './ipc-broker.js';
import { buildMenuTemplate } from './menu.js';
import { contentsGuards, denyPermissionCheck, denyPermissionRequest, secureWebPreferences } from './window-policy.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// dist-electron/electron/main.js → the project root (where package.json, src/ and renderer/ are).
const root = app.getAppPath();

// Must happen before 'ready': a standard, secure scheme gets an origin, so CSP 'self' and fetch work.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

let win: BrowserWindow | undefined;
let engine: EngineClient | undefined;

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    title: 'GNC Studio',
    show: false,
    webPreferences: secureWebPreferences(path.join(here, 'preload.cjs')),
  });
  w.once('ready-to-show', () => w.show());
  w.on('closed', () => {
    if (win === w) win = undefined;
  });
  void w.loadURL(`${APP_ORIGIN}/index.html`);
  return w;
}

async function showAbout(): Promise<void> {
  const info = (await engine?.call('info', []).catch(() => undefined)) as { version?: string; libraryPath?: string; backend?: { name: string } | null } | undefined;
  const detail = [
    `Version ${info?.version ?? app.getVersion()}`,
    `Electron ${process.versions.electron}, engine on Node (system)`,
    info?.backend ? `Backend: ${info.backend.name}` : 'Backend: chosen when the first job runs',
    info?.libraryPath ? `Library: ${info.libraryPath}` : '',
  ].filter(Boolean);
  const options = { type: 'info' as const, title: 'About GNC Studio', message: 'GNC Studio', detail: detail.join('\n'), buttons: ['OK'] };
  if (win) await dialog.showMessageBox(win, options);
  else await dialog.showMessageBox(options);
}

async function start(): Promise<void> {
  try {
    engine = await EngineClient.start({
      entry: path.join(root, 'src', 'app', 'engine-host-entry.mjs'),
      env: { ...process.env, GNC_ELECTRON_VERSION: process.versions.electron ?? '' },
    });
  } catch (err) {
    dialog.showErrorBox('GNC Studio cannot start its engine', `${(err as Error).message}\n\nThe engine runs under the system's Node.js 20 or later (set GNC_NODE to its path).`);
    app.exit(1);
    return;
  }
  const running = engine;
  running.onUnexpectedExit((code, signal) => {
    dialog.showErrorBox('The GNC Studio engine stopped', `It exited (${signal ?? `code ${code}`}). Jobs in progress were lost; the library is safe. GNC Studio will close.`);
    app.exit(1);
  });

  protocol.handle(APP_SCHEME, async (request) => {
    const r = await answerAppRequest(request.url, request.method, { rendererDir: path.join(root, 'renderer', 'dist'), resource: (p, q) => running.resource(p, q) });
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

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({ send: (command) => win?.webContents.send(MENU_CHANNEL, command), about: () => void showAbout(), quit: () => app.quit() }, process.platform),
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
  void engine.close().finally(() => app.exit(0));
});
