/**
 * Keyboard shortcuts: one table (shown in the help overlay) and a matcher
 * that ignores keys typed into text fields.
 */

export type ShortcutAction =
  | 'help'
  | 'open'
  | 'export'
  | 'undo'
  | 'redo'
  | 'zoom-in'
  | 'zoom-out'
  | 'zoom-fit'
  | 'zoom-100'
  | 'view-restore'
  | 'view-compare'
  | 'view-library'
  | 'view-training'
  | 'view-lab'
  | 'brush-smaller'
  | 'brush-larger'
  | 'eraser'
  | 'toggle-mask'
  | 'run'
  | 'cancel'
  | 'theme';

export interface Shortcut {
  action: ShortcutAction;
  /** As shown to the user. */
  keys: string;
  description: string;
  match(e: KeyLike): boolean;
}

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

const mod = (e: KeyLike) => e.ctrlKey || e.metaKey;
const plain = (e: KeyLike) => !e.ctrlKey && !e.metaKey && !e.altKey;

export const SHORTCUTS: Shortcut[] = [
  { action: 'help', keys: '?', description: 'Show or hide this list', match: (e) => e.key === '?' && !mod(e) },
  { action: 'open', keys: 'Ctrl+O', description: 'Open a photo', match: (e) => mod(e) && e.key.toLowerCase() === 'o' },
  { action: 'export', keys: 'Ctrl+S', description: 'Export the result', match: (e) => mod(e) && e.key.toLowerCase() === 's' },
  { action: 'undo', keys: 'Ctrl+Z', description: 'Undo a mask edit', match: (e) => mod(e) && !e.shiftKey && e.key.toLowerCase() === 'z' },
  { action: 'redo', keys: 'Ctrl+Shift+Z / Ctrl+Y', description: 'Redo a mask edit', match: (e) => mod(e) && ((e.shiftKey && e.key.toLowerCase() === 'z') || e.key.toLowerCase() === 'y') },
  { action: 'zoom-in', keys: '+', description: 'Zoom in', match: (e) => plain(e) && (e.key === '+' || e.key === '=') },
  { action: 'zoom-out', keys: '−', description: 'Zoom out', match: (e) => plain(e) && (e.key === '-' || e.key === '_') },
  { action: 'zoom-fit', keys: '0', description: 'Fit the photo in the window', match: (e) => plain(e) && e.key === '0' },
  { action: 'zoom-100', keys: '1', description: 'Zoom to 100 %', match: (e) => plain(e) && e.key === '1' },
  { action: 'view-restore', keys: 'Alt+1', description: 'Restore view (denoise, inpaint)', match: (e) => e.altKey && !mod(e) && (e.key === '1' || e.key === '¡') },
  { action: 'view-compare', keys: 'Alt+2', description: 'Compare view', match: (e) => e.altKey && !mod(e) && (e.key === '2' || e.key === '™') },
  { action: 'view-library', keys: 'Alt+3', description: 'Library', match: (e) => e.altKey && !mod(e) && (e.key === '3' || e.key === '£') },
  { action: 'view-training', keys: 'Alt+4', description: 'Training', match: (e) => e.altKey && !mod(e) && (e.key === '4' || e.key === '¢') },
  { action: 'view-lab', keys: 'Alt+5', description: 'Lab (1-D experiments)', match: (e) => e.altKey && !mod(e) && (e.key === '5' || e.key === '∞') },
  { action: 'brush-smaller', keys: '[', description: 'Smaller brush', match: (e) => plain(e) && e.key === '[' },
  { action: 'brush-larger', keys: ']', description: 'Larger brush', match: (e) => plain(e) && e.key === ']' },
  { action: 'eraser', keys: 'E', description: 'Toggle the eraser', match: (e) => plain(e) && e.key.toLowerCase() === 'e' },
  { action: 'toggle-mask', keys: 'M', description: 'Show or hide the mask', match: (e) => plain(e) && e.key.toLowerCase() === 'm' },
  { action: 'run', keys: 'Ctrl+Enter', description: 'Run the full restoration', match: (e) => mod(e) && e.key === 'Enter' },
  { action: 'cancel', keys: 'Esc', description: 'Close a dialog, or cancel the running job', match: (e) => e.key === 'Escape' },
  { action: 'theme', keys: 'T', description: 'Switch light / dark theme', match: (e) => plain(e) && e.key.toLowerCase() === 't' },
];

/** True when the key went to something the user types into (then only Escape and Ctrl shortcuts apply). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).tagName !== 'string') return false;
  const el = target as HTMLElement;
  const tag = el.tagName.toLowerCase();
  if (tag === 'textarea' || tag === 'select' || el.isContentEditable) return true;
  if (tag === 'input') {
    const type = (el as HTMLInputElement).type;
    return !['checkbox', 'radio', 'range', 'button', 'submit', 'file', 'color'].includes(type);
  }
  return false;
}

export function matchShortcut(e: KeyLike & { target?: EventTarget | null }): ShortcutAction | null {
  const typing = isTypingTarget(e.target ?? null);
  for (const s of SHORTCUTS) {
    if (!s.match(e)) continue;
    if (typing && s.action !== 'cancel' && !mod(e)) return null;
    if (typing && (s.action === 'undo' || s.action === 'redo')) return null; // let the field undo its own text
    return s.action;
  }
  return null;
}
