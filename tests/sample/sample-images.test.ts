import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { sampleImages } from '../../src/sample/sample-images.js';
import { readImage, writeImage } from '../../src/image/io.js';
import { randomMissingMask } from '../../src/image/noise.js';
import { syntheticImage, tempDir } from '../helpers/fixtures.js';
import { useBackend } from '../helpers/backends.js';

const tmp = tempDir('gnc-sample-');
beforeAll(() => useBackend('wasm'));
afterAll(() => tmp.cleanup());

describe('posterior sampling of an image', () => {
  it('inpainting writes K samples, mean and std; std is zero where observed and follows texture where hidden', async () => {
    const clean = tmp.file('clean.png');
    await writeImage(clean, syntheticImage(64, 64, 1, { seed: 4 }), { bitDepth: 8 });
    const hidden = randomMissingMask(64, 64, 0.5, 2);
    const mask = tmp.file('mask.png');
    await writeImage(mask, { width: 64, height: 64, channels: 1, data: hidden.map((m) => 1 - m) }, { bitDepth: 8 });
    const report = await sampleImages({ task: 'inpaint', input: clean, mask, clean, model: 'grey-l1-dsm', samples: 3, outDir: tmp.file('out'), levels: 12, stepsPerLevel: 10, seed: 1 });
    expect(report.samples).toHaveLength(3);
    for (const f of [...report.samples, report.mean, report.std, report.json]) expect(existsSync(f)).toBe(true);
    const std = await readImage(report.std);
    expect(std.width).toBe(64);
    expect(report.stdObserved).toBe(0);
    expect(report.stdHidden!).toBeGreaterThan(0);
    expect(report.stdTexture!).toBeGreaterThan(report.stdFlat!);
    expect(report.psnr!.mean).toBeGreaterThan(Math.min(...report.psnr!.samples));
    expect(JSON.parse(readFileSync(report.json, 'utf8')).settings.levels).toBe(12);
  });
});
