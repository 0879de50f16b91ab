/**
 * The engine host as the Electron main process uses it: a plain Node child
 * process (system node, tsx) speaking engine-rpc over the IPC channel. Calls,
 * uploads as raw bytes, resources, errors with their kind, and a clean
 * shutdown that removes the session folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { EngineClient } from '../../src/app/engine-client.js';
import type { AppInfo, ImageInfo } from '../../src/app/engine-api.js';
import { addGaussianNoise } from '../../src/image/noise.js';
import { writeImage } from '../../src/image/io.js';
import { syntheticImage, tempDir, writeSynthetic } from '../helpers/fixtures.js';

const tmp = tempDir('gnc-host-');
let client: EngineClient;

beforeAll(async () => {
  await writeSynthetic(tmp.file('photo.png'), 32, 24, 3);
  client = await EngineClient.start({ env: { ...process.env, GNC_HOME: tmp.file('home'), GNC_LIBRARY: tmp.file('library.sqlite'), GNC_ELECTRON_VERSION: '99.0.0' } });
});

afterAll(async () => {
  await client?.close();
  tmp.cleanup();
});

describe('engine host process', () => {
  it('answers calls over IPC', async () => {
    const info = (await client.call('info', [])) as AppInfo;
    expect(info).toMatchObject({ transport: 'ipc', electronVersion: '99.0.0', libraryPath: tmp.file('library.sqlite') });
    expect(client.pid).not.toBe(process.pid);
  });

  it('takes uploads as bytes and serves their resources', async () => {
    const bytes = new Uint8Array(readFileSync(tmp.file('photo.png')));
    const image = (await client.call('uploadImage', [{ name: 'photo.png', bytes }])) as ImageInfo;
    expect(image).toMatchObject({ width: 32, height: 24, channels: 3 });
    const preview = await client.resource(image.previewUrl);
    expect(preview.mime).toMatch(/^image\//);
    expect(preview.bytes.length).toBeGreaterThan(50);
  });

  it('estimates the noise level of an uploaded noisy photo within 15 %', async () => {
    const clean = syntheticImage(128, 96, 3, { seed: 5 });
    // σ = 15 keeps clipping at 0 and 1 rare (the image lies in [0.1, 0.9]); 16-bit keeps quantisation out.
    await writeImage(tmp.file('noisy.png'), { ...clean, data: addGaussianNoise(clean.data, 15 / 255, 9) }, { bitDepth: 16 });
    const bytes = new Uint8Array(readFileSync(tmp.file('noisy.png')));
    const image = (await client.call('uploadImage', [{ name: 'noisy.png', bytes }])) as ImageInfo;
    const { sigma } = (await client.call('estimateNoise', [image.imageId])) as { sigma: number };
    expect(Math.abs(sigma - 15) / 15).toBeLessThan(0.15);
  });

  it('rejects with the error kind the engine gave', async () => {
    await expect(client.call('getImage', ['img-nothere'])).rejects.toMatchObject({ kind: 'not-found' });
    await expect(client.call('getImage', [42])).rejects.toMatchObject({ kind: 'invalid-argument' });
    await expect(client.resource('/api/nothing')).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('cleans up its session folder when asked to stop', async () => {
    const sessions = tmp.file('home/sessions');
    expect(readdirSync(sessions)).toHaveLength(1);
    const folder = path.join(sessions, readdirSync(sessions)[0]!);
    await client.close();
    expect(existsSync(folder)).toBe(false);
    await expect(client.call('info', [])).rejects.toMatchObject({ kind: 'backend' });
  });
});
