/**
 * The application menu as a template. Items the page acts on (open, save,
 * export, undo/redo, image zoom) are forwarded to it as MenuCommands; About
 * and Quit are the main process's own. Built as data so it is tested without
 * Electron; main.ts turns it into a Menu.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../src/app/engine-api.js';

export interface MenuActions {
  send(command: MenuCommand): void;
  about(): void;
  quit(): void;
  /** Help → Open Log Folder (the logs in the user's data folder). */
  openLogs?(): void;
}

export function buildMenuTemplate(actions: MenuActions, platform: NodeJS.Platform): MenuItemConstructorOptions[] {
  const send = (command: MenuCommand) => () => actions.send(command);
  const mac = platform === 'darwin';
  const about: MenuItemConstructorOptions = { label: 'About GNC Studio', click: () => actions.about() };
  const quit: MenuItemConstructorOptions = { label: mac ? 'Quit GNC Studio' : 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() };
  const template: MenuItemConstructorOptions[] = [];
  if (mac) template.push({ label: 'GNC Studio', submenu: [about, { type: 'separator' }, quit] });
  template.push(
    {
      label: 'File',
      submenu: [
        { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: send('open') },
        { label: 'Save…', accelerator: 'CmdOrCtrl+S', click: send('save') },
        { label: 'Export…', accelerator: 'CmdOrCtrl+Shift+E', click: send('export') },
        ...(mac ? [] : [{ type: 'separator' } as MenuItemConstructorOptions, quit]),
      ],
    },
    {
      label: 'Edit',
      submenu: [
        // Undo/redo act on the page's own history (masks, settings), not on text fields only.
        { label: 'Undo', accelerator: 'CmdOrCtrl+Z', click: send('undo') },
        { label: 'Redo', accelerator: mac ? 'Cmd+Shift+Z' : 'Ctrl+Y', click: send('redo') },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { label: 'Zoom In', accelerator: 'CmdOrCtrl+=', click: send('zoom-in') },
        { label: 'Zoom Out', accelerator: 'CmdOrCtrl+-', click: send('zoom-out') },
        { label: 'Actual Size', accelerator: 'CmdOrCtrl+0', click: send('zoom-reset') },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
  );
  // Help on every platform: the first-run welcome can be reopened from here.
  template.push({
    label: 'Help',
    submenu: [
      { label: 'Welcome to GNC Studio', click: send('welcome') },
      ...(actions.openLogs ? [{ label: 'Open Log Folder', click: () => actions.openLogs!() }] : []),
      ...(mac ? [] : [{ type: 'separator' } as MenuItemConstructorOptions, about]),
    ],
  });
  return template;
}
