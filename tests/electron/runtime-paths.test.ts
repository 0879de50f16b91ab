/** Where the app finds its parts, in development and packaged (electron-builder's layout), and that it writes under the user data folder. */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { runtimePaths, unpackedRoot } from '../../electron/runtime-paths.js';

const userData = path.resolve('/home/u/.config/GNC Studio');

describe('runtime paths', () => {
  it('packaged: page in app.asar, engine from app.asar.unpacked under Electron as Node, resources beside app.asar', () => {
    const resources = path.resolve('/opt/GNC Studio/resources');
    const p = runtimePaths({
      packaged: true,
      appPath: path.join(resources, 'app.asar'),
      resourcesPath: resources,
      execPath: path.resolve('/opt/GNC Studio/gnc-studio'),
      userData,
      env: { PATH: '/usr/bin', GNC_NODE: '/usr/bin/node' },
    });
    expect(p.rendererDir).toBe(path.join(resources, 'app.asar', 'renderer', 'dist'));
    expect(p.engine.entry).toBe(path.join(resources, 'app.asar.unpacked', 'src', 'app', 'engine-host-entry.mjs'));
    expect(p.engine.node).toBe(path.resolve('/opt/GNC Studio/gnc-studio'));
    expect(p.engine.env).toMatchObject({ ELECTRON_RUN_AS_NODE: '1', GNC_RESOURCES: resources, GNC_HOME: userData, GNC_LOG_DIR: path.join(userData, 'logs'), PATH: '/usr/bin' });
    expect(p.engine.env.GNC_NODE).toBeUndefined();
    expect(p.resourcesDir).toBe(resources);
    expect(p.windowIcon).toBe(path.join(resources, 'icons', '512x512.png'));
    expect(p.logDir.startsWith(userData)).toBe(true);
  });

  it('development: the project folder, the system Node (GNC_NODE), no ELECTRON_RUN_AS_NODE', () => {
    const root = path.resolve('/src/gnc');
    const p = runtimePaths({ packaged: false, appPath: root, resourcesPath: '/electron/resources', execPath: '/electron/electron', userData, env: { GNC_NODE: '/usr/local/bin/node' } });
    expect(p.engine).toMatchObject({ node: '/usr/local/bin/node', entry: path.join(root, 'src', 'app', 'engine-host-entry.mjs') });
    expect(p.engine.env.ELECTRON_RUN_AS_NODE).toBeUndefined();
    expect(p.engine.env.GNC_RESOURCES).toBeUndefined();
    expect(p.rendererDir).toBe(path.join(root, 'renderer', 'dist'));
    expect(p.windowIcon).toBe(path.join(root, 'resources', 'icons', 'png', '512x512.png'));
  });

  it("keeps the user's own GNC_HOME and GNC_LOG_DIR", () => {
    const p = runtimePaths({ packaged: true, appPath: '/r/app.asar', resourcesPath: '/r', execPath: '/x', userData, env: { GNC_HOME: '/data/g', GNC_LOG_DIR: '/logs/g' } });
    expect(p.engine.env.GNC_HOME).toBe(path.resolve('/data/g'));
    expect(p.logDir).toBe(path.resolve('/logs/g'));
  });

  it('finds the unpacked folder only beside an asar', () => {
    expect(unpackedRoot('/r/app.asar')).toBe('/r/app.asar.unpacked');
    expect(unpackedRoot('/r/app')).toBe('/r/app');
  });
});
