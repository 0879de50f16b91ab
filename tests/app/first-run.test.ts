/**
 * First run on the engine side: a new library registers the shipped priors,
 * the welcome shows until it is dismissed (kept in the library, across
 * engine restarts), the sample photo opens like any photo, every argument is
 * checked, and the shipped resources are found where GNC_RESOURCES points
 * (as in the packaged app, where they lie in Electron's resources folder).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { AppEngine } from '../../src/app/app-engine.js';
import { shippedModelFiles } from '../../src/library/shipped.js';
import { resourcesDir, samplePhoto } from '../../src/util/paths.js';
import { tempDir } from '../helpers/fixtures.js';

const tmp = tempDir('gnc-first-run-');
const open: AppEngine[] = [];
const engine = (name: string) => {
  const e = new AppEngine({ transport: 'ipc', libraryPath: tmp.file(`${name}/library.sqlite`), userData: tmp.file(`${name}-home`) });
  open.push(e);
  return e;
};
const saved = process.env.GNC_RESOURCES;

afterEach(async () => {
  while (open.length) await open.pop()!.close();
  if (saved === undefined) delete process.env.GNC_RESOURCES;
  else process.env.GNC_RESOURCES = saved;
});
afterAll(() => tmp.cleanup());

/** However many priors resources/models ships (they are registered, all of them). */
const SHIPPED = shippedModelFiles().length;

describe('first run', () => {
  it('a new library has the shipped models, and the welcome shows until it is dismissed, also after a restart', async () => {
    const first = engine('lib');
    expect(await first.welcome()).toEqual({ show: true, shippedModels: SHIPPED, sampleAvailable: true });
    expect(await first.call('setWelcome', [{ dismissed: true }])).toMatchObject({ show: false });
    await first.close();
    const again = engine('lib');
    expect(await again.welcome()).toMatchObject({ show: false, shippedModels: SHIPPED });
    expect(await again.setWelcome({ dismissed: false })).toMatchObject({ show: true });
    // Another library has its own first run.
    expect(await engine('other').welcome()).toMatchObject({ show: true });
  });

  it('opens the sample photo into the session', async () => {
    const e = engine('sample');
    const image = await e.call('openSample', []);
    expect(image).toMatchObject({ name: 'sample.png', width: 384, height: 256, channels: 3 });
    expect(await e.listImages()).toHaveLength(1);
  });

  it('checks the arguments', async () => {
    const e = engine('args');
    await expect(e.call('setWelcome', [{}])).rejects.toMatchObject({ kind: 'invalid-argument' });
    await expect(e.call('setWelcome', [{ dismissed: 'yes' }])).rejects.toMatchObject({ kind: 'invalid-argument' });
    await expect(e.call('setWelcome', [{ dismissed: true, extra: 1 }])).rejects.toMatchObject({ kind: 'invalid-argument' });
    await expect(e.call('openSample', ['/etc/passwd'])).rejects.toMatchObject({ kind: 'invalid-argument' });
    await expect(e.call('welcome', [1])).rejects.toMatchObject({ kind: 'invalid-argument' });
  });

  it('finds the shipped models and the sample where GNC_RESOURCES points (the packaged layout)', async () => {
    const res = tmp.file('packaged-resources');
    mkdirSync(res);
    cpSync(path.join(resourcesDir({}), 'models'), path.join(res, 'models'), { recursive: true });
    cpSync(path.join(resourcesDir({}), 'schedules'), path.join(res, 'schedules'), { recursive: true });
    process.env.GNC_RESOURCES = res;
    expect(samplePhoto()).toBe(path.join(res, 'samples', 'sample.png'));
    const e = engine('packaged');
    const models = e.library.models.list({ shipped: true });
    expect(models).toHaveLength(SHIPPED);
    for (const m of models) expect(m.filePath.startsWith(res)).toBe(true);
    // No sample installed there: the welcome says so and openSample names the missing file.
    expect(await e.welcome()).toMatchObject({ show: true, shippedModels: SHIPPED, sampleAvailable: false });
    await expect(e.openSample()).rejects.toMatchObject({ kind: 'not-found', message: expect.stringContaining(path.join(res, 'samples', 'sample.png')) });
  });
});
