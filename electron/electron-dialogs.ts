/** The Dialogs interface (dialogs.ts) over Electron's native dialogs, attached to the app window. */
import { dialog, type BrowserWindow } from 'electron';
import { DIALOG_TITLES, OPEN_FILTERS, SAVE_FILTERS, type Dialogs } from './dialogs.js';

export function electronDialogs(window: () => BrowserWindow | undefined): Dialogs {
  return {
    async showOpen(kind) {
      const options: Electron.OpenDialogOptions =
        kind === 'folder'
          ? { title: DIALOG_TITLES.folder, properties: ['openDirectory'] }
          : { title: DIALOG_TITLES[kind], properties: ['openFile'], filters: OPEN_FILTERS[kind] };
      const win = window();
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    async showSave(kind, defaultName) {
      const options: Electron.SaveDialogOptions = { title: DIALOG_TITLES[`save-${kind}`], defaultPath: defaultName, filters: SAVE_FILTERS[kind] };
      const win = window();
      const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
  };
}
