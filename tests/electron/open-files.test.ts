/** Photos opened through the operating system (file associations): which arguments are photos, the queue until the page is ready, and the broker accepting exactly those paths. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { imagePathsFromArgv, OpenQueue } from '../../electron/open-files.js';
import { IpcBroker } from '../../electron/ipc-broker.js';
import { tempDir } from '../helpers/fixtures.js';

const tmp = tempDir('gnc-open-files-');
afterAll(() => tmp.cleanup());
for (const f of ['a.png', 'b.JPG', 'c.tiff', 'notes.txt']) writeFileSync(tmp.file(f), 'x');
mkdirSync(tmp.file('folder.png'));

describe('photos from the command line', () => {
  it('takes existing image files, skips options, other files, folders and missing ones', () => {
    const argv = ['/opt/GNC Studio/gnc-studio', '--no-sandbox', tmp.file('a.png'), 'b.JPG', tmp.file('notes.txt'), tmp.file('folder.png'), tmp.file('missing.png'), 'c.tiff', tmp.file('a.png')];
    expect(imagePathsFromArgv(argv, { packaged: true, cwd: tmp.dir })).toEqual([tmp.file('a.png'), tmp.file('b.JPG'), tmp.file('c.tiff')]);
  });

  it('in development skips electron and the app folder', () => {
    expect(imagePathsFromArgv(['/x/electron', tmp.file('a.png')], { packaged: false })).toEqual([]);
    expect(imagePathsFromArgv(['/x/electron', '/src/gnc', tmp.file('a.png')], { packaged: false })).toEqual([tmp.file('a.png')]);
  });
});

describe('open queue', () => {
  it('holds paths until the page is ready, then delivers at once; a reload holds them again', () => {
    const q = new OpenQueue();
    const got: string[] = [];
    q.add(['/p/1.png', '/p/1.png', '/p/2.png']);
    expect(got).toEqual([]);
    q.ready((f) => got.push(f));
    expect(got).toEqual(['/p/1.png', '/p/2.png']);
    q.add(['/p/3.png']);
    expect(got).toEqual(['/p/1.png', '/p/2.png', '/p/3.png']);
    q.pause();
    q.add(['/p/4.png']);
    expect(got).toHaveLength(3);
    q.ready((f) => got.push(f));
    expect(got.at(-1)).toBe('/p/4.png');
  });
});

describe('broker', () => {
  it('accepts openImagePath for a path the operating system opened, and still refuses others', async () => {
    const calls: unknown[] = [];
    const broker = new IpcBroker({ call: async (name, args) => calls.push([name, args]) }, { showOpen: async () => null, showSave: async () => null });
    const page = 'gnc://app/index.html';
    const refused = await broker.handle('gnc:openImagePath', page, [{ path: tmp.file('a.png') }]);
    expect(refused).toMatchObject({ ok: false, error: { kind: 'forbidden' } });
    broker.allowRead(tmp.file('a.png'));
    expect(await broker.handle('gnc:openImagePath', page, [{ path: tmp.file('a.png') }])).toMatchObject({ ok: true });
    expect(await broker.handle('gnc:openImagePath', page, [{ path: tmp.file('c.tiff') }])).toMatchObject({ ok: false, error: { kind: 'forbidden' } });
    // Reading is not writing: exporting over the opened photo stays refused.
    expect(await broker.handle('gnc:exportResult', page, [{ jobId: 'j1', path: tmp.file('a.png') }])).toMatchObject({ ok: false, error: { kind: 'forbidden' } });
    expect(calls).toHaveLength(1);
  });
});
