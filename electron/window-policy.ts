/**
 * The window's security policy, kept apart from the window so it is tested
 * without Electron: the web preferences (isolation and sandbox on, Node off),
 * no navigation away from the app's page, no new windows, no webviews, and
 * every permission request (camera, notifications, geolocation...) denied.
 * main.ts attaches these handlers to every WebContents and the session.
 */
export interface PreventableEvent {
  preventDefault(): void;
}

export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  } as const;
}

export interface ContentsGuards {
  /** will-navigate and will-redirect: the page is a single-page app and never navigates, so any navigation is a link or an injected script. */
  blockNavigation(event: PreventableEvent, url: string): void;
  /** will-attach-webview. */
  blockWebview(event: PreventableEvent): void;
  /** setWindowOpenHandler. */
  denyWindowOpen(details: { url: string }): { action: 'deny' };
}

export function contentsGuards(log: (message: string) => void = () => {}): ContentsGuards {
  return {
    blockNavigation(event, url) {
      event.preventDefault();
      log(`blocked navigation to ${url}`);
    },
    blockWebview(event) {
      event.preventDefault();
      log('blocked a webview');
    },
    denyWindowOpen({ url }) {
      log(`blocked a new window for ${url}`);
      return { action: 'deny' };
    },
  };
}

export function denyPermissionRequest(_contents: unknown, permission: string, callback: (granted: boolean) => void): void {
  void permission;
  callback(false);
}

export function denyPermissionCheck(): boolean {
  return false;
}
