/**
 * Packaging: `npm run dist:check`'s core, run for real (a staged build
 * packed by electron-builder --dir with a stand-in Electron, offline), and its
 * configuration checks shown to fail when the configuration is wrong.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkConfig, checkIcons, distCheck, loadBuilderConfig, root, type BuilderConfig } from '../../scripts/dist-check.js';
import { makeIcns, makeIco } from '../../scripts/make-icons.js';
import { shippedModelFiles } from '../../src/library/shipped.js';

const clone = (c: BuilderConfig): BuilderConfig => structuredClone(c);

describe('packaging configuration', () => {
  const config = loadBuilderConfig();

  it('passes its own checks', () => {
    const checks: string[] = [];
    checkConfig(checks, config);
    checkIcons(checks, config);
    expect(checks.length).toBeGreaterThanOrEqual(10);
  });

  it('refuses a configuration without TIFF files, without the Electron rebuild, or with a PNG as the Windows icon', () => {
    const noTiff = clone(config);
    noTiff.fileAssociations = noTiff.fileAssociations!.filter((a) => !String(a.ext).includes('tif'));
    expect(() => checkConfig([], noTiff)).toThrow(/missing tif, tiff/);
    const noRebuild = clone(config);
    noRebuild.npmRebuild = false;
    expect(() => checkConfig([], noRebuild)).toThrow(/npmRebuild/);
    const pngIcon = clone(config);
    pngIcon.win = { ...pngIcon.win, icon: 'resources/icons/icon.png' };
    expect(() => checkIcons([], pngIcon)).toThrow(/Windows icon/);
  });

  it('ships the shipped priors, schedules and sample as extra resources, and unpacks the engine', () => {
    const from = (config.extraResources ?? []).map((r) => r.from);
    expect(from).toEqual(expect.arrayContaining(['resources/models', 'resources/schedules', 'resources/samples']));
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['src/**', 'node_modules/**']));
  });

  it('writes icon containers whose tables point at the PNGs', () => {
    const png = readFileSync(path.join(root, 'resources/icons/png/16x16.png'));
    const ico = makeIco([{ size: 16, png }]);
    expect(ico.readUInt16LE(4)).toBe(1);
    expect(ico.readUInt32LE(6 + 8)).toBe(png.length);
    expect(ico.subarray(ico.readUInt32LE(6 + 12)).equals(png)).toBe(true);
    const icns = makeIcns([{ type: 'icp4', png }]);
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    expect(icns.toString('ascii', 8, 12)).toBe('icp4');
    expect(icns.subarray(16).equals(png)).toBe(true);
  });
});

describe('dist:check', () => {
  it('packs the app offline: app.asar holds main, preload and page; the engine and extra resources are in place; the packed engine starts', async () => {
    const result = await distCheck();
    expect(result.asarFiles).toContain('/dist-electron/electron/main.js');
    expect(result.asarFiles).toContain('/dist-electron/electron/preload.cjs');
    expect(result.asarFiles).toContain('/renderer/dist/index.html');
    expect(result.checks).toEqual(
      expect.arrayContaining([
        'app.asar holds the main process /dist-electron/electron/main.js',
        'resources/samples: sample.png',
        'app.asar.unpacked/src/app/engine-host-entry.mjs',
        'executable gnc-studio',
        'the packed engine opens the sample photo (sharp loads from the package)',
        'the packed engine wrote nothing inside the installed app',
      ]),
    );
    expect(result.checks.some((c) => c.startsWith(`first run of the packed engine: ${shippedModelFiles().length} shipped models registered from resources/`))).toBe(true);
    expect(result.checks.length).toBeGreaterThanOrEqual(50);
  }, 300_000);
});
