/**
 * The native dialogs the page may ask for, behind a small interface so the
 * broker is tested with fakes. The filters say which files each kind opens.
 * (The Electron implementation is in electron-dialogs.ts.)
 */
import type { OpenDialogKind, SaveDialogKind } from '../src/app/engine-api.js';

export interface Dialogs {
  /** Resolves to the chosen path, or null when cancelled. */
  showOpen(kind: OpenDialogKind): Promise<string | null>;
  /** Resolves to the chosen path (the dialog confirmed any replacement), or null. */
  showSave(kind: SaveDialogKind, defaultName: string): Promise<string | null>;
}

export interface FileFilter {
  name: string;
  extensions: string[];
}

export const OPEN_FILTERS: Record<Exclude<OpenDialogKind, 'folder'>, FileFilter[]> = {
  image: [{ name: 'Images', extensions: ['png', 'jpg', 'jpeg', 'tif', 'tiff', 'webp'] }],
  bundle: [{ name: 'GNC Studio model bundles', extensions: ['gncpack'] }],
};

export const SAVE_FILTERS: Record<SaveDialogKind, FileFilter[]> = {
  image: [
    { name: 'PNG', extensions: ['png'] },
    { name: 'TIFF', extensions: ['tif', 'tiff'] },
    { name: 'JPEG', extensions: ['jpg', 'jpeg'] },
    { name: 'WebP', extensions: ['webp'] },
  ],
  bundle: [{ name: 'GNC Studio model bundle', extensions: ['gncpack'] }],
};

export const DIALOG_TITLES: Record<OpenDialogKind | `save-${SaveDialogKind}`, string> = {
  image: 'Open a photo',
  bundle: 'Import a model bundle',
  folder: 'Choose a folder of training photos',
  'save-image': 'Export the result',
  'save-bundle': 'Export the model bundle',
};
