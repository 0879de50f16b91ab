import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { train, DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../../src/train/trainer.js';
import { loadModelFile } from '../../src/prior/model-file.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { writeImage } from '../../src/image/io.js';
import { useBackend } from '../helpers/backends.js';

let dataDir: string;

beforeAll(async () => {
  await useBackend('wasm');
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'gnc-train-data-'));
  for (let k = 0; k < 5; k++) {
    const size = 40;
    const data = new Float32Array(size * size);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[y * size + x] = 0.5 + 0.3 * Math.sin((x + 3 * k) * 0.4) * Math.cos(y * 0.3) + (x > 20 + k ? 0.1 : 0);
    await writeImage(path.join(dataDir, `img${k}.png`), { width: size, height: size, channels: 1, data });
  }
});

function tiny(iterations: number): TrainSettings {
  return { ...DEFAULT_TRAIN_SETTINGS, data: dataDir, layers: 1, features: 4, patch: 16, batch: 2, iterations, nz: 15, nt: 7, holdout: 1, validateEvery: 2, checkpointEvery: 3, lr: 1e-3 };
}

describe('training loop', () => {
  it('trains, validates, checkpoints and writes a model with its provenance', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'gnc-train-out-'));
    const seen: number[] = [];
    const result = await train({ settings: tiny(4), out: path.join(out, 'p.gncm'), onProgress: (p) => seen.push(p.iteration) });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(result.history.every((h) => Number.isFinite(h.loss))).toBe(true);
    expect(Object.keys(result.validation).sort()).toEqual(['15', '25', '50']);
    const model = await loadModelFile(path.join(out, 'p.gncm'));
    expect(model.id).toBe(result.id);
    expect(model.metadata.training).toMatchObject({ kind: 'joint-score-matching', iterations: 4 });
    expect(readdirSync(out).sort()).toEqual(['p.gnck', 'p.gncm']);
  });

  it('resumes bit-for-bit from a checkpoint', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gnc-train-resume-'));
    const straight = await train({ settings: tiny(6), out: path.join(dir, 'straight.gncm') });
    // Stop after 3 iterations (the checkpoint interval) by cancelling, then resume.
    const controller = new AbortController();
    await expect(
      train({ settings: tiny(6), out: path.join(dir, 'split.gncm'), signal: controller.signal, onProgress: (p) => p.iteration === 3 && controller.abort() }),
    ).rejects.toMatchObject({ kind: 'cancelled' });
    const ck = await loadCheckpoint(path.join(dir, 'split.gnck'));
    expect(ck.iteration).toBe(3);
    const resumed = await train({ settings: tiny(6), out: path.join(dir, 'split.gncm'), resume: path.join(dir, 'split.gnck') });
    expect(resumed.iterations).toBe(6);
    expect(resumed.id).toBe(straight.id);
    expect(resumed.history.map((h) => h.loss)).toEqual(straight.history.map((h) => h.loss));
  });

  it('rejects impossible settings by name', async () => {
    await expect(train({ settings: { ...tiny(2), layers: 4 }, out: '/tmp/x.gncm' })).rejects.toThrow(/layers/);
    await expect(train({ settings: { ...tiny(2), sigmaMax: 0.001 }, out: '/tmp/x.gncm' })).rejects.toThrow(/sigma-max/);
  });
});

describe('Wiener initialisation', () => {
  it('makes the untrained prior denoise at every σ, far better than z²/2 at large σ', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'gnc-train-init-'));
    const settings = { ...tiny(1), features: 8, patch: 16, batch: 4 };
    const wiener = await train({ settings: { ...settings, init: 'wiener' }, out: path.join(out, 'w.gncm') });
    const quadratic = await train({ settings: { ...settings, init: 'quadratic' }, out: path.join(out, 'q.gncm') });
    expect(wiener.validation['50']!).toBeGreaterThan(quadratic.validation['50']! + 1);
  });
});
