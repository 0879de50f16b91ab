import { DEFAULT_MODEL } from '../../src/prior/registry.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { openLibrary, type Library } from '../../src/library/library.js';
import { LibraryJobRecorder } from '../../src/library/job-recorder.js';
import { checkLibrary } from '../../src/library/check.js';
import { JobService } from '../../src/jobs/job-service.js';
import { writeImage } from '../../src/image/io.js';
import { syntheticImage, tempDir, writeSynthetic } from '../helpers/fixtures.js';

const tmp = tempDir('gnc-recorder-');
let lib: Library;
let service: JobService;
let photo: string;

beforeAll(async () => {
  lib = openLibrary({ path: tmp.file('lib/library.sqlite') });
  service = new JobService({ recorder: new LibraryJobRecorder(lib) });
  photo = tmp.file('photo.png');
  await writeSynthetic(photo, 90, 70, 3);
});

afterAll(async () => {
  await service.close();
  lib.close();
  tmp.cleanup();
});

describe('jobs recorded in the library', () => {
  it('a finished denoise is a done run with its input, parameters, output file and traces', async () => {
    const job = await service.submit({ kind: 'denoise', input: photo, addNoise: 20, seed: 3, outputs: [tmp.file('out.png')], settings: { steps: 3 } });
    await job.result;
    const run = lib.runs.get(job.recordId!);
    expect(run).toMatchObject({ kind: 'denoise', method: 'gnc', status: 'done' });
    expect(run.inputSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(run.thumbPath && existsSync(run.thumbPath)).toBeTruthy();
    expect(run.backend).toMatchObject({ name: expect.stringMatching(/onnx|wasm|cpu|tensorflow/) });
    expect(run.params).toMatchObject({ addNoise: 20, seed: 3, settings: { steps: 3 } });
    expect(run.modelId).toBe(lib.models.get(DEFAULT_MODEL).id);
    expect(run.outputPath && existsSync(run.outputPath)).toBeTruthy();
    expect(path.dirname(run.outputPath!)).toBe(lib.folders.outputs);
    expect(run.traces!.psnr).toHaveLength(4);
    expect(run.psnr!).toBeGreaterThan(run.traces!.psnr![0]!);
    expect(await checkLibrary(lib)).toEqual([]);
  });

  it('a cancelled job is a cancelled run with no output anywhere', async () => {
    const big = tmp.file('big.png');
    await writeSynthetic(big, 800, 600, 1);
    const out = tmp.file('big-out.png');
    let cancelled = false;
    const job = await service.submit(
      { kind: 'denoise', input: big, sigma: 25, outputs: [out], settings: { steps: 40 }, tile: 128 },
      {
        onProgress: (p) => {
          if (!cancelled && p.fraction > 0.05) {
            cancelled = true;
            job.cancel();
          }
        },
      },
    );
    await expect(job.result).rejects.toMatchObject({ kind: 'cancelled' });
    expect(lib.runs.get(job.recordId!).status).toBe('cancelled');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(lib.folders.outputs).filter((f) => f.startsWith(job.recordId!) || f.includes(job.recordId!))).toEqual([]);
    expect(await checkLibrary(lib)).toEqual([]);
  });

  it('a failing job is a failed run that keeps the error kind and message', async () => {
    const corrupt = tmp.file('corrupt.png');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(corrupt, 'not an image at all');
    const job = await service.submit({ kind: 'denoise', input: corrupt, sigma: 10 });
    await expect(job.result).rejects.toMatchObject({ kind: 'invalid-image' });
    const run = lib.runs.get(job.recordId!);
    expect(run.status).toBe('failed');
    expect(run.errorKind).toBe('invalid-image');
    expect(run.errorMessage).toMatch(/corrupt\.png/);
  });

  it('a training job is a training run with loss samples, and its model is registered', async () => {
    const data = tmp.file('data');
    mkdirSync(data);
    for (let k = 0; k < 3; k++) await writeImage(path.join(data, `im${k}.png`), syntheticImage(40, 36 + 4 * k, 1));
    const out = tmp.file('tiny.gncm');
    const job = await service.submit({
      kind: 'train',
      data,
      out,
      settings: { features: 4, patch: 16, batch: 2, iterations: 4, holdout: 1, validateEvery: 2, checkpointEvery: 2 },
    });
    const result = await job.result;
    expect(result.kind).toBe('train');
    const row = lib.training.get(job.recordId!);
    expect(row.status).toBe('done');
    expect(row.iterations).toBe(4);
    expect(row.lossCurve.length).toBeGreaterThan(0);
    expect(row.lastLoss!.iteration).toBe(4);
    const model = lib.models.get(row.modelId!);
    expect(model.id).toBe((result as { id: string }).id);
    expect(model.shipped).toBe(false);
    expect(await checkLibrary(lib)).toEqual([]);
  });

  it('a benchmark job is a bench run whose output is the report, with progress per image', async () => {
    const data = tmp.file('bench');
    mkdirSync(data);
    for (let k = 0; k < 2; k++) await writeImage(path.join(data, `b${k}.png`), syntheticImage(48, 40, 1, { seed: k + 1 }));
    const steps: number[] = [];
    const job = await service.submit(
      { kind: 'bench', task: 'denoise', data, levels: [20, 40], settings: { steps: 2 }, references: false },
      { onProgress: (p) => p.step !== undefined && steps.push(p.step) },
    );
    const result = await job.result;
    const report = (result as { report: { rows: Array<{ id: string; levels: Array<{ meanPsnr: number }> }> } }).report;
    const gnc = report.rows.find((r) => r.id === 'gnc')!;
    const input = report.rows.find((r) => r.id === 'input')!;
    expect(gnc.levels.map((l) => l.meanPsnr)).toHaveLength(2);
    gnc.levels.forEach((l, i) => expect(l.meanPsnr).toBeGreaterThan(input.levels[i]!.meanPsnr));
    expect(Math.max(...steps)).toBe(4);
    const run = lib.runs.get(job.recordId!);
    expect(run).toMatchObject({ kind: 'bench', status: 'done' });
    const { readFileSync } = await import('node:fs');
    expect(JSON.parse(readFileSync(run.outputPath!, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('a learn-schedule job is a run whose schedule lands in the library, linked to its model', async () => {
    const data = tmp.file('vn-data');
    mkdirSync(data);
    for (let k = 0; k < 3; k++) await writeImage(path.join(data, `v${k}.png`), syntheticImage(48, 48, 1, { seed: k + 3 }));
    const out = tmp.file('tiny.gncs');
    const job = await service.submit({ kind: 'learn-schedule', model: 'starter-dct-gsm', task: 'denoise', level: 25, steps: 2, data, iterations: 2, out, patch: 16, batch: 2, holdout: 1 });
    const result = await job.result;
    expect(result).toMatchObject({ kind: 'learn-schedule', output: out });
    expect(lib.runs.get(job.recordId!)).toMatchObject({ kind: 'learn-schedule', method: 'vn', status: 'done' });
    const schedules = lib.schedules.list({ modelId: lib.models.get('starter-dct-gsm').id });
    expect(schedules.map((s) => [s.task, s.level, s.steps])).toContainEqual(['denoise', 25, 2]);
    expect(await checkLibrary(lib)).toEqual([]);
  });
});
