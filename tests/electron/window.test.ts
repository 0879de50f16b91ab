/** The window's security policy, the menu template and the gnc://app protocol, all without Electron. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { contentsGuards, denyPermissionCheck, denyPermissionRequest, secureWebPreferences } from '../../electron/window-policy.js';
import { buildMenuTemplate } from '../../electron/menu.js';
import { answerAppRequest } from '../../electron/app-protocol.js';
import type { MenuCommand } from '../../src/app/engine-api.js';
import { GncError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/fixtures.js';

describe('window policy', () => {
  it('keeps isolation and the sandbox on and Node off', () => {
    expect(secureWebPreferences('/x/preload.cjs')).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
  });

  it('blocks navigation, new windows, webviews and every permission', () => {
    const log: string[] = [];
    const guards = contentsGuards((m) => log.push(m));
    let prevented = 0;
    const event = { preventDefault: () => prevented++ };
    guards.blockNavigation(event, 'https://evil.example/');
    guards.blockWebview(event);
    expect(prevented).toBe(2);
    expect(guards.denyWindowOpen({ url: 'https://evil.example/popup' })).toEqual({ action: 'deny' });
    expect(log.join('\n')).toContain('evil.example');
    let granted: boolean | undefined;
    denyPermissionRequest({}, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
    expect(denyPermissionCheck()).toBe(false);
  });
});

describe('menu', () => {
  type Item = { label?: string; role?: string; accelerator?: string; click?: () => void; submenu?: Item[] };
  const flatten = (items: Item[]): Item[] => items.flatMap((i) => [i, ...(i.submenu ? flatten(i.submenu) : [])]);

  for (const platform of ['linux', 'darwin'] as const) {
    it(`has open, save, export, undo/redo, zoom, about and quit on ${platform}, forwarding the page's items`, () => {
      const sent: MenuCommand[] = [];
      let about = 0;
      let quit = 0;
      const items = flatten(buildMenuTemplate({ send: (c) => sent.push(c), about: () => about++, quit: () => quit++ }, platform) as Item[]);
      const click = (label: string) => {
        const item = items.find((i) => i.label === label);
        expect(item, label).toBeDefined();
        item!.click!();
      };
      for (const label of ['Open…', 'Save…', 'Export…', 'Undo', 'Redo', 'Zoom In', 'Zoom Out', 'Actual Size']) click(label);
      expect(sent).toEqual(['open', 'save', 'export', 'undo', 'redo', 'zoom-in', 'zoom-out', 'zoom-reset']);
      click('About GNC Studio');
      click(platform === 'darwin' ? 'Quit GNC Studio' : 'Quit');
      expect([about, quit]).toEqual([1, 1]);
      expect(items.find((i) => i.label === 'Open…')?.accelerator).toBe('CmdOrCtrl+O');
    });

    it(`has Help → Welcome (sent to the page) and Open Log Folder on ${platform}`, () => {
      const sent: MenuCommand[] = [];
      let logs = 0;
      const template = buildMenuTemplate({ send: (c) => sent.push(c), about: () => {}, quit: () => {}, openLogs: () => logs++ }, platform) as Item[];
      const help = template.find((i) => i.label === 'Help');
      expect(help).toBeDefined();
      help!.submenu!.find((i) => i.label === 'Welcome to GNC Studio')!.click!();
      help!.submenu!.find((i) => i.label === 'Open Log Folder')!.click!();
      expect(sent).toEqual(['welcome']);
      expect(logs).toBe(1);
    });
  }
});

describe('gnc://app protocol', () => {
  const tmp = tempDir('gnc-protocol-');
  const dist = path.join(tmp.dir, 'dist');
  mkdirSync(dist);
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(path.join(tmp.dir, 'secret.txt'), 'TOP-SECRET-CONTENT');
  const deps = {
    rendererDir: dist,
    async resource(p: string, q: string) {
      if (p === '/api/images/img-1/preview') return { mime: 'image/png', bytes: new Uint8Array([1, 2, 3]) };
      if (p === '/api/jobs/job-1/result/download') return { mime: 'image/jpeg', bytes: new Uint8Array([4]), fileName: `cat ${q}.jpg` };
      throw new GncError('not-found', `No resource at ${p}`);
    },
  };
  afterAll(() => tmp.cleanup());

  it('serves the page with the CSP, and engine resources under /api/', async () => {
    const page = await answerAppRequest('gnc://app/index.html', 'GET', deps);
    expect(page.status).toBe(200);
    expect(page.headers['Content-Security-Policy']).toContain("default-src 'self'");
    expect(page.headers['X-Content-Type-Options']).toBe('nosniff');
    const image = await answerAppRequest('gnc://app/api/images/img-1/preview', 'GET', deps);
    expect(image).toMatchObject({ status: 200, headers: { 'Content-Type': 'image/png' } });
    const download = await answerAppRequest('gnc://app/api/jobs/job-1/result/download?format=jpeg', 'GET', deps);
    expect(download.headers['Content-Disposition']).toContain('cat%20format%3Djpeg.jpg');
    const missing = await answerAppRequest('gnc://app/api/images/nope/preview', 'GET', deps);
    expect(missing.status).toBe(404);
    expect(JSON.parse(String(missing.body)).error.kind).toBe('not-found');
  });

  it('refuses other hosts, other methods and paths outside the renderer', async () => {
    expect((await answerAppRequest('gnc://other/index.html', 'GET', deps)).status).toBe(404);
    expect((await answerAppRequest('gnc://app/api/jobs', 'POST', deps)).status).toBe(405);
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const reply = await answerAppRequest(`gnc://app${p}`, 'GET', deps);
      expect(reply.status, p).toBeGreaterThanOrEqual(400);
      expect(String(reply.body), p).not.toContain('TOP-SECRET-CONTENT');
    }
  });
});
