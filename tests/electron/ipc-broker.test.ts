/**
 * The main process's IPC broker with a fake engine and fake dialogs: only
 * the app's page may call, every argument is checked before the engine sees
 * it, and file paths pass only if a dialog of this session returned them.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { CALL_NAMES } from '../../src/app/api-validate.js';
import { IpcBroker, isAppPage } from '../../electron/ipc-broker.js';
import type { Dialogs } from '../../electron/dialogs.js';

const PAGE = 'gnc://app/index.html';

function setup(chosen: { open?: string | null; save?: string | null } = {}) {
  const calls: Array<{ name: string; args: unknown[] }> = [];
  const engine = {
    async call(name: string, args: unknown[]) {
      calls.push({ name, args });
      return { echoed: name };
    },
  };
  const dialogs: Dialogs & { asked: string[] } = {
    asked: [],
    async showOpen(kind) {
      this.asked.push(`open ${kind}`);
      return chosen.open ?? null;
    },
    async showSave(kind, name) {
      this.asked.push(`save ${kind} ${name}`);
      return chosen.save ?? null;
    },
  };
  return { broker: new IpcBroker(engine, dialogs), calls, dialogs };
}

describe('IPC broker', () => {
  it('registers one channel per engine call and dialog, nothing generic', () => {
    const { broker } = setup();
    const channels = broker.channels();
    expect(channels).toHaveLength(CALL_NAMES.length + 2);
    expect(channels).toContain('gnc:submitJob');
    expect(channels).toContain('gnc:showOpenDialog');
    expect(channels.some((c) => /invoke|send|call$/i.test(c))).toBe(false);
  });

  it('forwards a valid call and answers with an IpcResult', async () => {
    const { broker, calls } = setup();
    expect(await broker.handle('gnc:listRuns', PAGE, [{ kind: 'denoise', limit: 5 }])).toEqual({ ok: true, value: { echoed: 'listRuns' } });
    expect(calls).toEqual([{ name: 'listRuns', args: [{ kind: 'denoise', limit: 5 }] }]);
  });

  it('refuses calls from any other frame', async () => {
    const { broker, calls } = setup();
    for (const url of ['https://example.com/', 'file:///etc/passwd', '', 'gnc://other/index.html']) {
      const reply = await broker.handle('gnc:info', url, []);
      expect(reply.ok).toBe(false);
      expect(!reply.ok && reply.error.kind).toBe('forbidden');
    }
    expect(calls).toHaveLength(0);
    expect(isAppPage(PAGE)).toBe(true);
  });

  it('refuses unknown channels and bad arguments before the engine sees them, naming the field', async () => {
    const { broker, calls } = setup();
    const unknown = await broker.handle('gnc:runShell', PAGE, ['rm -rf /']);
    expect(!unknown.ok && unknown.error.message).toContain('runShell');
    const typo = await broker.handle('gnc:submitJob', PAGE, [{ kind: 'denoise', imageId: 'img-1', sigma: 25, sigmaa: 3 }]);
    expect(!typo.ok && typo.error).toMatchObject({ kind: 'invalid-argument' });
    expect(!typo.ok && typo.error.message).toContain('sigmaa');
    const extra = await broker.handle('gnc:getJob', PAGE, ['job-1', 'surplus']);
    expect(!extra.ok && extra.error.message).toContain('at most 1 argument');
    const bytes = await broker.handle('gnc:uploadImage', PAGE, [{ name: 'a.png', bytes: 'not bytes' }]);
    expect(!bytes.ok && bytes.error.message).toContain('Uint8Array');
    const folder = await broker.handle('gnc:uploadImage', PAGE, [{ name: '../a.png', bytes: new Uint8Array(4) }]);
    expect(!folder.ok && folder.error.message).toContain('without folders');
    expect(calls).toHaveLength(0);
  });

  it('passes a path only if a dialog returned it: open dialogs for reading, save dialogs for writing', async () => {
    const photo = path.resolve('/photos/cat.png');
    const target = path.resolve('/exports/cat-denoised.png');
    const { broker, calls, dialogs } = setup({ open: photo, save: target });
    const early = await broker.handle('gnc:openImagePath', PAGE, [{ path: photo }]);
    expect(!early.ok && early.error.kind).toBe('forbidden');
    expect(await broker.handle('gnc:showOpenDialog', PAGE, ['image'])).toEqual({ ok: true, value: photo });
    expect((await broker.handle('gnc:openImagePath', PAGE, [{ path: photo }])).ok).toBe(true);
    // A path chosen for opening does not license writing it.
    const overwrite = await broker.handle('gnc:exportResult', PAGE, [{ jobId: 'job-1', path: photo, overwrite: true }]);
    expect(!overwrite.ok && overwrite.error.message).toContain('no save dialog returned');
    expect(await broker.handle('gnc:showSaveDialog', PAGE, ['image', 'cat-denoised.png'])).toEqual({ ok: true, value: target });
    expect((await broker.handle('gnc:exportResult', PAGE, [{ jobId: 'job-1', path: target, overwrite: true }])).ok).toBe(true);
    const train = await broker.handle('gnc:submitJob', PAGE, [{ kind: 'train', data: '/home/me/photos' }]);
    expect(!train.ok && train.error.kind).toBe('forbidden');
    // Resuming names a library training run, not a file: the engine finds its checkpoint and photos itself.
    expect((await broker.handle('gnc:submitJob', PAGE, [{ kind: 'train', resumeTrainingId: 'ab12cd34' }])).ok).toBe(true);
    expect(calls.map((c) => c.name)).toEqual(['openImagePath', 'exportResult', 'submitJob']);
    expect(dialogs.asked).toEqual(['open image', 'save image cat-denoised.png']);
  });

  it('checks dialog arguments and passes a cancelled dialog through as null', async () => {
    const { broker } = setup({ open: null });
    expect(await broker.handle('gnc:showOpenDialog', PAGE, ['folder'])).toEqual({ ok: true, value: null });
    const bad = await broker.handle('gnc:showOpenDialog', PAGE, ['anything']);
    expect(!bad.ok && bad.error.message).toContain('"image", "bundle", "folder"');
    const badName = await broker.handle('gnc:showSaveDialog', PAGE, ['image', 'a/b.png']);
    expect(badName.ok).toBe(false);
  });

  it('turns engine errors into IpcResults that keep their kind', async () => {
    const broker = new IpcBroker(
      {
        async call() {
          throw Object.assign(new Error('x.png already exists; save again with overwrite to replace it'), { kind: 'exists' });
        },
      },
      { showOpen: async () => null, showSave: async () => null },
    );
    expect(await broker.handle('gnc:getJob', PAGE, ['job-1'])).toEqual({ ok: false, error: { kind: 'exists', message: 'x.png already exists; save again with overwrite to replace it' } });
  });
});

describe('preload', () => {
  it('exposes exactly the broker channels as named methods, through contextBridge only', () => {
    const source = readFileSync(path.resolve('electron/preload.cts'), 'utf8');
    const named = [...source.matchAll(/^\s+(\w+): invoke\('(\w+)'\)/gm)];
    for (const [, method, channel] of named) expect(method).toBe(channel);
    const { broker } = setup();
    expect(named.map((m) => `gnc:${m[2]}`).sort()).toEqual(broker.channels().sort());
    expect(source).toContain("contextBridge.exposeInMainWorld('gnc', api)");
    expect(source).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
    // Sandboxed preloads can require only 'electron'.
    expect([...source.matchAll(/require\('([^']+)'\)/g)].map((m) => m[1])).toEqual(['electron']);
  });
});

describe('compiled preload in a sandbox-like context', () => {
  it('requires only electron and exposes window.gnc whose methods invoke their own channels', async () => {
    const ts = (await import('typescript')).default;
    const vm = await import('node:vm');
    const source = readFileSync(path.resolve('electron/preload.cts'), 'utf8');
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    const invoked: Array<[string, unknown[]]> = [];
    const listeners = new Map<string, Set<(...a: unknown[]) => void>>();
    const exposed: Record<string, unknown> = {};
    const fakeElectron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
      ipcRenderer: {
        invoke: async (channel: string, ...args: unknown[]) => {
          invoked.push([channel, args]);
          return { ok: true, value: channel };
        },
        on: (channel: string, l: (...a: unknown[]) => void) => (listeners.get(channel) ?? listeners.set(channel, new Set()).get(channel)!).add(l),
        removeListener: (channel: string, l: (...a: unknown[]) => void) => listeners.get(channel)?.delete(l),
      },
    };
    const required: string[] = [];
    const module = { exports: {} };
    vm.runInNewContext(js, {
      require: (name: string) => {
        required.push(name);
        if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
        return fakeElectron;
      },
      module,
      exports: module.exports,
    });
    expect(required).toEqual(['electron']);
    const gnc = exposed.gnc as Record<string, (...a: unknown[]) => unknown>;
    expect(await gnc.submitJob!({ kind: 'denoise' })).toEqual({ ok: true, value: 'gnc:submitJob' });
    expect(invoked).toEqual([['gnc:submitJob', [{ kind: 'denoise' }]]]);
    const seen: unknown[] = [];
    const off = gnc.onEvent!((e: unknown) => seen.push(e)) as () => void;
    for (const l of listeners.get('gnc:event')!) l({}, { type: 'hello', seq: 1 });
    off();
    expect(listeners.get('gnc:event')!.size).toBe(0);
    expect(seen).toEqual([{ type: 'hello', seq: 1 }]);
  });
});
