/**
 * Wiring: the backend choice decides where restore() evaluates the prior.
 * 'auto' and 'onnx' use onnxruntime when it loads, a named tfjs backend keeps
 * tfjs; both give the same restoration (colour photo, three opponent planes).
 * Skipped, with the reason in the suite's name, where onnxruntime-node does
 * not load.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend.js';
import { addGaussianNoise } from '../../src/image/noise.js';
import { resolveModel } from '../../src/prior/registry.js';
import { restore } from '../../src/restore/restore.js';
import { runRestoreJob } from '../../src/jobs/restore-job.js';
import { createJobContext } from '../../src/jobs/job-context.js';
import { prefersOnnx } from '../../src/onnx/inference.js';
import { loadOrt } from '../../src/onnx/ort.js';
import { syntheticImage, tempDir, writeSynthetic } from '../helpers/fixtures.js';

let reason = '';
try {
  loadOrt();
} catch (err) {
  reason = (err as Error).message.split('\n')[0]!;
}
const name = (s: string) => (reason ? `${s} (skipped: onnxruntime-node does not load here: ${reason})` : s);
const tmp = tempDir('gnc-onnx-');
afterAll(() => tmp.cleanup());

describe.skipIf(!!reason)(name('restore() on onnxruntime'), () => {
  it('--backend onnx/auto use onnxruntime, --backend wasm keeps tfjs, and the results agree', async () => {
    const model = await resolveModel('grey-l2-dsm');
    const clean = syntheticImage(47, 38, 3);
    const noisy = { ...clean, data: addGaussianNoise(clean.data, 25 / 255, 3) };
    const request = { task: 'denoise' as const, image: noisy, model, sigma: 25 / 255, reference: clean, settings: { steps: 4 }, tile: 32 };

    await selectBackend('wasm');
    expect(prefersOnnx()).toBe(false);
    const tfjs = restore(request);
    expect(tfjs.inference).toBe('tfjs');

    await selectBackend('onnx');
    const onnx = restore({ ...request, threads: 2 });
    expect(onnx.inference).toBe('onnxruntime-node');
    expect(onnx.threads).toBe(2);

    await selectBackend('auto');
    expect(prefersOnnx()).toBe(true);
    expect(restore(request).inference).toBe('onnxruntime-node');

    let worst = 0;
    for (let i = 0; i < tfjs.image.data.length; i++) worst = Math.max(worst, Math.abs(tfjs.image.data[i]! - onnx.image.data[i]!));
    expect(worst).toBeLessThan(1e-3);
    expect(Math.abs(onnx.psnr! - tfjs.psnr!)).toBeLessThan(0.01);
    onnx.trace.forEach((t, i) => expect(Math.abs(t.energy! - tfjs.trace[i]!.energy!)).toBeLessThan(1e-4 * Math.abs(t.energy!) + 1e-2));
  });

  it('a restore job with the onnx backend runs without a tile pool and reports its threads', async () => {
    const input = tmp.file('grey.png');
    await writeSynthetic(input, 70, 52, 1);
    const ctx = () => createJobContext({ signal: new AbortController().signal, emit: () => {} });
    const common = { kind: 'denoise' as const, input, addNoise: 20, settings: { steps: 2 }, tile: 32 };
    const onnx = await runRestoreJob({ ...common, backend: 'onnx', threads: 2 }, ctx());
    const wasm = await runRestoreJob({ ...common, backend: 'wasm', threads: 1 }, ctx());
    expect(onnx.threads).toBe(2);
    expect(onnx.backend).toMatchObject({ name: 'onnx', package: 'onnxruntime-node', threads: 2 });
    expect(wasm.backend.name).toBe('wasm');
    expect(onnx.tiles).toBe(6);
    expect(Math.abs(onnx.psnr! - wasm.psnr!)).toBeLessThan(0.01);
  });
});

describe.skipIf(!!reason)(name('posterior sampling on onnxruntime'), () => {
  it('Langevin chains on onnx follow the tfjs chains with the same seeds', async () => {
    const { posteriorChains, samplerSettings } = await import('../../src/sample/posterior-chains.js');
    const model = await resolveModel('grey-l1-dsm');
    const shape = { n: 1, h: 33, w: 27, c: 1 };
    const clean = syntheticImage(27, 33, 1).data;
    const observed = addGaussianNoise(clean, 25 / 255, 5);
    const request = {
      model,
      task: 'denoise' as const,
      shape,
      observed,
      noiseSigma: 25 / 255,
      samples: 1,
      settings: samplerSettings(model, { levels: 4, stepsPerLevel: 3, seed: 2 }),
    };
    await selectBackend('wasm');
    const [tfjs] = posteriorChains(request);
    await selectBackend('onnx');
    const [onnx] = posteriorChains(request);
    let worst = 0;
    for (let i = 0; i < tfjs!.length; i++) worst = Math.max(worst, Math.abs(tfjs![i]! - onnx![i]!));
    expect(worst).toBeLessThan(1e-3);
  });
});
