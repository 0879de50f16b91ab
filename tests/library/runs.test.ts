/**
 * Runs, experiments and training runs: the job-runner life cycle, output files
 * moved in on finish, inputs and thumbnails, the bounded loss curve, and the
 * errors for transitions that make no sense.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/library/files.js';
import { openLibrary, type Library } from '../../src/library/library.js';
import { appendToCurve, MAX_LOSS_SAMPLES } from '../../src/library/training-repo.js';
import { GncError } from '../../src/util/errors.js';
import { tempFolder } from './helpers.js';

const tmp = tempFolder('gnc-lib-runs-');
let lib: Library;
beforeAll(() => {
  lib = openLibrary({ path: tmp.file('lib/library.sqlite') });
});
afterAll(() => {
  lib.close();
  tmp.cleanup();
});

function thrown(fn: () => unknown): GncError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GncError);
    return err as GncError;
  }
  throw new Error('expected an error');
}

describe('runs', () => {
  it('go queued → running → done, with the output moved into the library', async () => {
    const run = lib.runs.create({
      kind: 'denoise',
      method: 'gnc',
      model: 'starter-dct-gsm',
      params: { sigma: 25, steps: 30, seed: 4 },
      backend: { name: 'wasm', threads: 1 },
    });
    expect(run).toMatchObject({ status: 'queued', modelId: lib.models.get('starter-dct-gsm').id, params: { sigma: 25, steps: 30, seed: 4 }, pid: null });
    expect(lib.runs.start(run.id, 4242)).toMatchObject({ status: 'running', pid: 4242 });

    const staging = lib.runs.stagingPath(run.id, 'photo denoised.png');
    expect(path.dirname(staging)).toBe(lib.folders.outputs);
    writeFileSync(staging, 'pretend png');
    const done = await lib.runs.finish(run.id, {
      outputTempFile: staging,
      outputName: 'photo denoised.png',
      traces: { energy: [3, 2, 1], psnr: [20, 25, Number.NaN] },
      psnr: 28.5,
      ssim: 0.81,
      seconds: 1.5,
    });
    expect(done).toMatchObject({ status: 'done', psnr: 28.5, ssim: 0.81, seconds: 1.5, outputName: 'photo denoised.png' });
    expect(done.traces).toEqual({ energy: [3, 2, 1], psnr: [20, 25, null] });
    expect(done.outputPath).toBe(path.join(lib.folders.outputs, `${run.id}-photo_denoised.png`));
    expect(existsSync(staging)).toBe(false);
    expect(done.outputSha256).toBe(sha256(readFileSync(done.outputPath!)));
    expect(done.startedAt! >= done.createdAt && done.finishedAt! >= done.startedAt!).toBe(true);
    expect(lib.runs.get(run.id.slice(0, 7)).id).toBe(run.id);
  });

  it('refuse transitions that make no sense, naming the state', async () => {
    const run = lib.runs.create({ kind: 'inpaint', params: {} });
    lib.runs.start(run.id);
    const err = thrown(() => lib.runs.start(run.id));
    expect(err.kind).toBe('library');
    expect(err.message).toContain('it is running, expected queued');
    lib.runs.fail(run.id, new GncError('invalid-mask', 'mask is empty'));
    expect(lib.runs.get(run.id)).toMatchObject({ status: 'failed', errorMessage: 'mask is empty', errorKind: 'invalid-mask' });
    await expect(lib.runs.finish(run.id, { seconds: 1 })).rejects.toMatchObject({ kind: 'library', message: expect.stringContaining('it is failed') });
    expect(lib.runs.cancel(run.id).status).toBe('failed'); // cancelling an ended run is a no-op
    expect(thrown(() => lib.runs.fail('0123456789abcdef', 'x')).kind).toBe('not-found');
    expect(thrown(() => lib.runs.create({ kind: 'paint' as never, params: {} })).kind).toBe('invalid-argument');
    expect(thrown(() => lib.runs.create({ kind: 'denoise', params: [] as never })).kind).toBe('invalid-argument');
    expect(thrown(() => lib.runs.create({ kind: 'denoise', model: 'nope', params: {} })).kind).toBe('unknown-model');
  });

  it('drop the moved output when the run was cancelled while finishing', async () => {
    const run = lib.runs.create({ kind: 'denoise', params: {} });
    lib.runs.start(run.id);
    const staging = lib.runs.stagingPath(run.id, 'out.png');
    writeFileSync(staging, 'x');
    const finishing = lib.runs.finish(run.id, { outputTempFile: staging, outputName: 'out.png', seconds: 1 });
    lib.runs.cancel(run.id); // lands while finish() hashes the file
    await expect(finishing).rejects.toMatchObject({ kind: 'library', message: expect.stringContaining('cancelled') });
    expect(lib.runs.get(run.id).status).toBe('cancelled');
    expect(readdirSync(lib.folders.outputs).filter((f) => f.startsWith(run.id))).toEqual([]);
  });

  it('record inputs by content, with an optional copy and a 256 px thumbnail', async () => {
    const photo = tmp.file('photo.png');
    await sharp({ create: { width: 600, height: 300, channels: 3, background: { r: 200, g: 100, b: 50 } } }).png().toFile(photo);
    const input = await lib.prepareInput(photo, { copy: true, thumbnail: true });
    expect(input.sha256).toBe(sha256(readFileSync(photo)));
    expect(input.path).toBe(path.join(lib.folders.inputs, `${input.sha256}.png`));
    const meta = await sharp(input.thumbPath!).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 256, 128]);
    expect(path.dirname(input.thumbPath!)).toBe(lib.folders.thumbs);

    const a = lib.runs.create({ kind: 'denoise', input, params: {} });
    const b = lib.runs.create({ kind: 'denoise', input, params: {} });
    expect(a).toMatchObject({ inputPath: input.path, inputSha256: input.sha256, thumbPath: input.thumbPath });
    lib.runs.remove(a.id);
    expect(existsSync(input.path) && existsSync(input.thumbPath!)).toBe(true); // still used by b
    lib.runs.remove(b.id);
    expect(existsSync(input.path) || existsSync(input.thumbPath!)).toBe(false);
  });

  it('list newest first, filtered by kind and status', () => {
    const ids = ['sample', 'sample', 'bench'].map((kind) => lib.runs.create({ kind: kind as 'sample' | 'bench', params: {} }).id);
    expect(lib.runs.list({ kind: 'sample' }).map((r) => r.id)).toEqual([ids[1], ids[0]]);
    expect(lib.runs.list({ kind: 'bench', status: 'queued' }).map((r) => r.id)).toEqual([ids[2]]);
    expect(lib.runs.list({ limit: 2 })).toHaveLength(2);
  });

  it('refuse to remove a run that a live process is running', () => {
    const run = lib.runs.create({ kind: 'denoise', params: {} });
    lib.runs.start(run.id, process.pid);
    expect(thrown(() => lib.runs.remove(run.id)).message).toMatch(/is running .*cancel it/);
    lib.runs.cancel(run.id);
    lib.runs.remove(run.id);
    expect(lib.runs.find(run.id)).toBeUndefined();
  });
});

describe('experiments', () => {
  it('group runs, and removing one removes its runs and their outputs', async () => {
    const exp = lib.experiments.create({ name: 'compare σ 25', kind: 'compare' });
    const outputs: string[] = [];
    for (const method of ['gnc', 'joint', 'vn'] as const) {
      const run = lib.runs.create({ kind: 'compare', method, experimentId: exp.id, params: { sigma: 25 } });
      lib.runs.start(run.id);
      const tmpFile = lib.runs.stagingPath(run.id, `${method}.png`);
      writeFileSync(tmpFile, method);
      outputs.push((await lib.runs.finish(run.id, { outputTempFile: tmpFile, outputName: `${method}.png`, seconds: 1 })).outputPath!);
    }
    expect(lib.experiments.get(exp.id.slice(0, 6))).toMatchObject({ name: 'compare σ 25', runs: 3 });
    expect(lib.runs.list({ experimentId: exp.id }).map((r) => r.method).sort()).toEqual(['gnc', 'joint', 'vn']);
    lib.experiments.remove(exp.id);
    expect(lib.runs.list({ experimentId: exp.id })).toEqual([]);
    expect(outputs.filter(existsSync)).toEqual([]);
  });
});

describe('training runs', () => {
  it('keep a bounded, evenly thinned loss curve and the latest sample', () => {
    let curve = { stride: 1, pending: 0, samples: [] as Array<[number, number]>, last: null as [number, number] | null };
    for (const max of [50, 51]) {
      for (let i = 0; i < 10_000; i += 100) curve = appendToCurve(curve, Array.from({ length: 100 }, (_, k) => ({ iteration: i + k, loss: 1 / (i + k + 1) })), max);
      expect(curve.samples.length).toBeLessThanOrEqual(max);
      expect(curve.samples.length).toBeGreaterThan(max / 2);
      const steps = curve.samples.slice(1).map(([it], k) => it - curve.samples[k]![0]);
      expect(new Set(steps)).toEqual(new Set([curve.stride]));
      expect(curve.samples[0]![0]).toBe(0);
      expect(curve.last).toEqual([9999, 1 / 10000]);
      curve = { stride: 1, pending: 0, samples: [], last: null };
    }
  });

  it('go through their life cycle and link the model they produced', () => {
    const t = lib.training.create({ settings: { layers: 1, batch: 8, seed: 2 }, dataDescription: 'Train400', checkpointPath: tmp.file('ckpt.json') });
    expect(t).toMatchObject({ status: 'queued', iterations: 0, lossCurve: [], lastLoss: null, checkpointPath: tmp.file('ckpt.json') });
    lib.training.start(t.id, 777);
    for (let i = 0; i < 5000; i += 250) lib.training.appendLoss(t.id, Array.from({ length: 250 }, (_, k) => ({ iteration: i + k, loss: Math.exp(-(i + k) / 1000) })));
    lib.training.appendLoss(t.id, [{ iteration: 5000, loss: Number.NaN }]);
    lib.training.progress(t.id, { iterations: 5000, seconds: 60, validation: { sigma255: { '25': 27.1 } } });
    const row = lib.training.get(t.id);
    expect(row.lossCurve.length).toBeLessThanOrEqual(MAX_LOSS_SAMPLES);
    expect(row.lossCurve.length).toBeGreaterThan(MAX_LOSS_SAMPLES / 2);
    expect(row.lossStride).toBe(4);
    expect(row.lastLoss!.iteration).toBe(5000);
    expect(row.lastLoss!.loss).toBeNaN();
    expect(row).toMatchObject({ status: 'running', iterations: 5000, seconds: 60, validation: { sigma255: { '25': 27.1 } }, pid: 777 });

    const done = lib.training.finish(t.id, { model: 'grey-l1-dsm', iterations: 5000, seconds: 61 });
    expect(done).toMatchObject({ status: 'done', modelId: lib.models.get('grey-l1-dsm').id, validation: { sigma255: { '25': 27.1 } } });
    expect(thrown(() => lib.training.fail(t.id, 'late')).message).toContain('it is done');
    expect(lib.training.list({ status: 'done' }).map((x) => x.id)).toContain(t.id);

    const failed = lib.training.create({ settings: {} });
    expect(lib.training.fail(failed.id, new Error('out of memory'))).toMatchObject({ status: 'failed', errorMessage: 'out of memory', errorKind: 'internal' });
    expect(thrown(() => lib.training.appendLoss(failed.id, [{ iteration: 1.5, loss: 1 }])).kind).toBe('invalid-argument');
    lib.training.remove(failed.id);
    expect(thrown(() => lib.training.get(failed.id)).kind).toBe('not-found');
  });
});
