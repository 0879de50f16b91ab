import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { sampleImages } from '../../src/sample/sample-images.js';
import { readImage, writeImage } from '../../src/image/io.js';
import { randomMissingMask } from '../../src/image/noise.js';
import { syntheticImage, tempDir } from '../helpers/fixtures.js';
import { useBackend } from '../helpers/backends.js';
import { selectBackend } from '../../src/engine/backend.js';
import { ortInstalled } from '../../src/onnx/ort.js';
import { main } from '../../src/cli/main.js';

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

  it('runs on the threads asked for: a tile pool on tfjs with the one-thread samples, onnxruntime under auto', async () => {
    const input = tmp.file('colour.png');
    await writeImage(input, syntheticImage(48, 40, 3, { seed: 6 }), { bitDepth: 8 });
    const common = { task: 'denoise' as const, input, sigma: 25, addNoise: true, model: 'grey-l1-dsm', samples: 2, levels: 4, stepsPerLevel: 2, seed: 3 };
    const one = await sampleImages({ ...common, outDir: tmp.file('one'), threads: 1 });
    const two = await sampleImages({ ...common, outDir: tmp.file('two'), threads: 2 });
    expect([one.engine, one.threads]).toEqual(['wasm', 1]);
    // Three planes in one tile each: three work items, two threads.
    expect([two.engine, two.threads]).toEqual(['wasm', 2]);
    for (let k = 0; k < 2; k++) {
      const a = await readImage(one.samples[k]!);
      const b = await readImage(two.samples[k]!);
      let differing = 0;
      for (let i = 0; i < a.data.length; i++) if (Math.abs(a.data[i]! - b.data[i]!) > 1.5 / 255) differing++;
      expect(differing, `sample ${k}: 8-bit values more than one level apart`).toBe(0);
    }
    if (!ortInstalled().ok) return;
    try {
      await selectBackend('auto');
      const onnx = await sampleImages({ ...common, outDir: tmp.file('onnx'), threads: 2 });
      expect([onnx.engine, onnx.threads]).toEqual(['onnx', 2]);
    } finally {
      await useBackend('wasm');
    }
  }, 120_000);

  it('gnc sample takes --threads and says what ran', async () => {
    const input = tmp.file('grey.png');
    await writeImage(input, syntheticImage(32, 32, 1, { seed: 2 }), { bitDepth: 8 });
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['node', 'gnc', 'sample', input, '--task', 'denoise', '--sigma', '20', '--samples', '1', '--levels', '2', '--steps-per-level', '1', '--threads', '1', '--backend', 'wasm', '-o', tmp.file('cli'), '--json', '--no-record']);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(0);
    const report = JSON.parse(lines.join('').trim().split('\n').at(-1)!);
    expect(report).toMatchObject({ command: 'sample', engine: 'wasm', threads: 1 });
    expect(await main(['node', 'gnc', 'sample', input, '--task', 'denoise', '--sigma', '20', '--threads', '0', '-o', tmp.file('bad'), '--no-record'])).not.toBe(0);
  }, 120_000);
});
