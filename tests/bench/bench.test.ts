/**
 * `gnc bench` in-process on three 40×40 synthetic grey images with a few
 * solver steps. The reference tools (OpenCV, G'MIC) may or may not be
 * installed here: their rows must have numbers exactly when detection finds
 * them and say "not installed" otherwise.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { centralCrop, listBenchImages, runDenoiseBench } from '../../src/bench/denoise-bench.js';
import { runInpaintBench } from '../../src/bench/inpaint-bench.js';
import { detectReferences, gmicDenoiseArgs, nlmStrength, type ReferenceStatus } from '../../src/bench/references.js';
import { formatBenchReport, formatTable, type BenchReport, type BenchRow } from '../../src/bench/table.js';
import { parseList, parseMissingFraction } from '../../src/cli/bench-command.js';
import { main } from '../../src/cli/main.js';
import { ortInstalled } from '../../src/onnx/ort.js';
import { writeImage } from '../../src/image/io.js';
import { resolveModel } from '../../src/prior/registry.js';
import { GncError } from '../../src/util/errors.js';
import { SCHEDULE_FORMAT, SCHEDULE_VERSION, saveSchedule, type VnSchedule } from '../../src/vn/schedule-file.js';
import { syntheticImage, tempDir } from '../helpers/fixtures.js';

const tmp = tempDir('gnc-bench-test-');
const data = tmp.file('images');
let detected: ReferenceStatus;

beforeAll(async () => {
  mkdirSync(data);
  mkdirSync(tmp.file('empty'));
  // Written out of order: the bench must sort by name.
  for (const [name, seed] of [['c.png', 3], ['a.png', 1], ['b.png', 2]] as const) {
    await writeImage(path.join(data, name), syntheticImage(40, 40, 1, { seed, levels: 255 }), { bitDepth: 8 });
  }
  detected = await detectReferences();
});
afterAll(() => tmp.cleanup());

function row(report: BenchReport, id: string): BenchRow {
  const r = report.rows.find((x) => x.id === id);
  expect(r, `row ${id} in ${report.rows.map((x) => x.id).join(',')}`).toBeDefined();
  return r!;
}

/** Every available row has one cell per level with one finite figure per image; unavailable ones say why. */
function checkStructure(report: BenchReport, images: number): void {
  expect(report.images).toHaveLength(images);
  for (const r of report.rows) {
    expect(r.levels.map((c) => c.level)).toEqual(report.levels);
    if (!r.available) {
      expect(r.note).toMatch(/^not installed/);
      for (const c of r.levels) expect(c.images).toHaveLength(0);
      continue;
    }
    for (const c of r.levels) {
      expect(c.images.map((f) => f.image)).toEqual(report.images);
      expect(c.failures).toBe(0);
      expect(Number.isFinite(c.meanPsnr)).toBe(true);
      if (r.kind === 'input') expect(c.meanSeconds).toBeNull();
      else expect(c.meanSeconds).toBeGreaterThan(0);
    }
  }
}

function checkReferenceRows(report: BenchReport, ids: Record<string, 'opencv' | 'gmic'>, text: string): void {
  for (const [id, tool] of Object.entries(ids)) {
    const r = row(report, id);
    expect(r.available).toBe(detected[tool].available);
    expect(r.input).toBe('8-bit');
    expect(r.label).toContain('(8-bit input)');
    const line = text.split('\n').find((l) => l.startsWith(r.label));
    expect(line, text).toBeDefined();
    if (r.available) for (const c of r.levels) expect(c.meanPsnr).toBeGreaterThan(15);
    else expect(line).toContain('not installed');
  }
}

describe('gnc bench denoise', () => {
  it('measures our solvers and the detected reference tools on the same noisy inputs', async () => {
    const progress: string[] = [];
    const report = await runDenoiseBench({
      data,
      sigmas: [15, 25],
      methods: ['gnc', 'joint'],
      // Joint optimisation needs a prior trained with the t-term; the hand-built starter prior has a meaningful t.
      model: 'starter-dct-gsm',
      limit: 2,
      settings: { steps: 3 },
      backend: 'cpu',
      onProgress: (l) => progress.push(l),
    });
    expect(report.images).toEqual(['a.png', 'b.png']);
    expect(report.levels).toEqual([15, 25]);
    expect(report.settings.gnc!.steps).toBe(3);
    expect(report.rows.map((r) => r.id)).toEqual(['input', 'gnc', 'joint', 'opencv-nlm', 'gmic-denoise']);
    checkStructure(report, 2);
    expect(progress).toHaveLength(4); // one line per image and level

    const input = row(report, 'input');
    for (const id of ['gnc', 'joint']) {
      const ours = row(report, id);
      expect(ours.input).toBe('float');
      ours.levels.forEach((c, l) => expect(c.meanPsnr!).toBeGreaterThan(input.levels[l]!.meanPsnr! + 1));
    }
    // Image i gets the same n at every σ: the input PSNRs differ by exactly 20·log10(25/15).
    for (let i = 0; i < 2; i++) {
      expect(input.levels[0]!.images[i]!.psnr! - input.levels[1]!.images[i]!.psnr!).toBeCloseTo(20 * Math.log10(25 / 15), 3);
    }
    // Float input, not rounded: about 24.6 dB at σ = 15.
    expect(input.levels[0]!.meanPsnr!).toBeCloseTo(20 * Math.log10(255 / 15), 0);

    const text = formatBenchReport(report);
    expect(text).toContain('σ = 15');
    expect(text).toContain('σ = 25');
    expect(text).toMatch(/^GNC flow +\d+\.\d\d +\d+\.\d\d +\d+\.\d\d +\d+\.\d\d$/m);
    expect(text).toMatch(/^joint +\d+\.\d\d/m);
    expect(text).toContain('backend cpu');
    expect(text).toContain(`model starter-dct-gsm (id ${report.model.id.slice(0, 12)})`);
    expect(text).toContain(`2 images from ${data}`);
    checkReferenceRows(report, { 'opencv-nlm': 'opencv', 'gmic-denoise': 'gmic' }, text);
  });

  it('says "not installed" for tools that are missing and leaves them out with references off', async () => {
    const missing = await runDenoiseBench({
      data,
      sigmas: [25],
      limit: 1,
      settings: { steps: 2 },
      backend: 'cpu',
      references: { python: tmp.file('no-python'), gmic: tmp.file('no-gmic') },
    });
    checkStructure(missing, 1);
    expect(row(missing, 'opencv-nlm').available).toBe(false);
    expect(row(missing, 'gmic-denoise').available).toBe(false);
    const text = formatBenchReport(missing);
    expect(text).toMatch(/^OpenCV NLM \(8-bit input\) +not installed \(.*no-python not found\)$/m);
    expect(text).toMatch(/^G'MIC denoise \(8-bit input\) +not installed/m);

    const off = await runDenoiseBench({ data, sigmas: [25], limit: 1, settings: { steps: 2 }, backend: 'cpu', references: false });
    expect(off.references).toBeNull();
    expect(off.rows.map((r) => r.id)).toEqual(['input', 'gnc']);
    expect(formatBenchReport(off)).toContain('skipped (--no-references)');
  });

  it('names the engine the rows ran on: onnxruntime under auto where it is installed, the tfjs backend when one is named', async () => {
    const auto = await runDenoiseBench({ data, sigmas: [25], limit: 1, settings: { steps: 1 }, backend: 'auto', references: false });
    const wasm = await runDenoiseBench({ data, sigmas: [25], limit: 1, settings: { steps: 1 }, backend: 'wasm', references: false });
    expect(wasm.backend).toMatchObject({ name: 'wasm', device: 'cpu' });
    expect(formatBenchReport(wasm)).toMatch(/^backend wasm \(cpu, /m);
    if (ortInstalled().ok) {
      expect(auto.backend).toMatchObject({ name: 'onnx', device: 'cpu', package: 'onnxruntime-node' });
      expect(auto.backend.threads).toBeGreaterThanOrEqual(1);
      expect(formatBenchReport(auto)).toMatch(/^backend onnx \(cpu, \d+ threads?\)/m);
    } else {
      expect(auto.backend.name).not.toBe('onnx');
    }
  });

  it('refuses a missing or empty data folder with a clear message', async () => {
    const gone = tmp.file('does-not-exist');
    await expect(runDenoiseBench({ data: gone, references: false })).rejects.toThrow(`The benchmark data folder ${gone} does not exist`);
    await expect(runInpaintBench({ data: tmp.file('empty'), references: false })).rejects.toThrow(/holds no images/);
    await expect(listBenchImages(data, 0)).rejects.toBeInstanceOf(GncError);
    expect(await listBenchImages(data)).toEqual(['a.png', 'b.png', 'c.png']);
    await expect(runDenoiseBench({ data, sigmas: [300] })).rejects.toThrow(/sigma/);
  });
});

describe('gnc bench inpaint', () => {
  it('fills random-pixel masks with our solver and the detected reference tools', async () => {
    const report = await runInpaintBench({ data, missing: [0.5], limit: 2, settings: { steps: 3 }, backend: 'cpu' });
    expect(report.levelName).toBe('missing');
    expect(report.rows.map((r) => r.id)).toEqual(['input', 'gnc', 'opencv-telea', 'opencv-ns', 'gmic-inpaint-pde']);
    checkStructure(report, 2);
    expect(row(report, 'gnc').levels[0]!.meanPsnr!).toBeGreaterThan(row(report, 'input').levels[0]!.meanPsnr! + 3);
    const text = formatBenchReport(report);
    expect(text).toContain('50 % missing');
    checkReferenceRows(report, { 'opencv-telea': 'opencv', 'opencv-ns': 'opencv', 'gmic-inpaint-pde': 'gmic' }, text);
  });
});

describe('gnc bench with posterior samples', () => {
  it('scores the posterior mean and single samples beside the GNC flow, on the same central crops', async () => {
    for (const task of ['denoise', 'inpaint'] as const) {
      const common = { data, limit: 1, crop: 24, posteriorSamples: 2, references: false, settings: { steps: 10 }, backend: 'wasm' as const };
      const report = task === 'denoise' ? await runDenoiseBench({ ...common, sigmas: [25] }) : await runInpaintBench({ ...common, missing: [0.5] });
      expect(report.crop).toBe(24);
      expect(report.rows.map((r) => r.id)).toEqual(['input', 'gnc', 'posterior-mean', 'posterior-sample']);
      checkStructure(report, 1);
      const at = (id: string) => row(report, id).levels[0]!.meanPsnr!;
      // Averaging chains removes their spread: the mean beats a single sample; both beat the input.
      expect(at('posterior-mean'), task).toBeGreaterThan(at('posterior-sample'));
      expect(at('posterior-sample'), task).toBeGreaterThan(at('input'));
      expect(report.settings.posterior).toMatchObject({ samples: 2, levels: 20, stepsPerLevel: 10 });
      const text = formatBenchReport(report);
      expect(text).toContain('(central 24×24 crops)');
      expect(text).toContain('posterior: 2 annealed-Langevin chains, 20×10 steps');
      expect(text).toContain('posterior mean (2 Langevin samples)');
    }
  });

  it('takes the central crop and refuses impossible sample counts', async () => {
    const image = { width: 5, height: 4, channels: 1 as const, data: Float32Array.from({ length: 20 }, (_, i) => i) };
    const crop = centralCrop(image, 2);
    expect([crop.width, crop.height]).toEqual([2, 2]);
    // Rows 1–2, columns 1–2 of the 5-wide image.
    expect(Array.from(crop.data)).toEqual([6, 7, 11, 12]);
    expect(centralCrop(image, 99).data).toEqual(image.data);
    await expect(runDenoiseBench({ data, posteriorSamples: 0, references: false })).rejects.toThrow(/posterior samples/);
    expect(await main(['node', 'gnc', 'bench', 'denoise', '--posterior-samples', '0', '--no-record'])).toBe(2);
  });
});

describe('gnc bench --vn-schedule', () => {
  it('runs the VN row with the given schedules, the nearest per level, and refuses ones for another model or task', async () => {
    const model = await resolveModel('starter-dct-gsm');
    const make = (level: number, sigmas: number[], stepScales: number[], task: 'denoise' | 'inpaint' = 'denoise'): VnSchedule => ({
      format: SCHEDULE_FORMAT, version: SCHEDULE_VERSION, modelId: model.id, modelName: model.metadata.name, task, level, sigmas, stepScales,
    });
    // At σ 15 a schedule whose steps barely move (the input comes back); at σ 50 one that denoises.
    const still = tmp.file('still-15.gncs');
    const works = tmp.file('works-50.gncs');
    await saveSchedule(still, make(15, [20, 10], [1e-4, 1e-4]));
    await saveSchedule(works, make(50, [80, 40, 20], [1, 1, 1]));
    const report = await runDenoiseBench({ data, limit: 1, sigmas: [14, 45], methods: ['vn'], model: 'starter-dct-gsm', vnSchedules: [works, still], references: false, backend: 'wasm' });
    const at = (id: string, l: number) => row(report, id).levels[l]!.meanPsnr!;
    expect(Math.abs(at('vn', 0) - at('input', 0))).toBeLessThan(0.05);
    expect(at('vn', 1)).toBeGreaterThan(at('input', 1) + 3);
    expect(report.settings.vn).toEqual({ method: 'vn', dataWeight: 1, schedules: ['works-50.gncs', 'still-15.gncs'] });
    // Each level says which schedule it used, since the GNC steps and σ range do not apply to VN.
    expect(row(report, 'vn').levels.map((cell) => cell.schedule)).toEqual([
      { file: 'still-15.gncs', level: 15, steps: 2 },
      { file: 'works-50.gncs', level: 50, steps: 3 },
    ]);
    expect(row(report, 'input').levels[0]!.schedule).toBeUndefined();
    expect(formatBenchReport(report)).toContain('vn: the given schedule (works-50.gncs, still-15.gncs) nearest each level (σ = 14: still-15.gncs in 2 steps, σ = 45: works-50.gncs in 3 steps)');

    await expect(runDenoiseBench({ data, limit: 1, sigmas: [25], methods: ['vn'], model: 'grey-l1-dsm', vnSchedules: [works], references: false })).rejects.toThrow(/learned for the model starter-dct-gsm/);
    const inpaint = tmp.file('inpaint-50.gncs');
    await saveSchedule(inpaint, make(0.5, [40, 20], [1, 1], 'inpaint'));
    await expect(runDenoiseBench({ data, limit: 1, sigmas: [25], methods: ['vn'], model: 'starter-dct-gsm', vnSchedules: [inpaint], references: false })).rejects.toThrow(/is for inpaint, not denoise/);
    await expect(runDenoiseBench({ data, limit: 1, sigmas: [25], methods: ['gnc'], model: 'starter-dct-gsm', vnSchedules: [works], references: false })).rejects.toThrow(/do not include vn/);
    expect(await main(['node', 'gnc', 'bench', 'inpaint', '--data', data, '--limit', '1', '--missing', '50%', '--method', 'vn', '--model', 'starter-dct-gsm', '--vn-schedule', inpaint, '--no-references', '--no-record', '--backend', 'wasm'])).toBe(0);
    const inpainted = await runInpaintBench({ data, limit: 1, missing: [0.45], methods: ['vn'], model: 'starter-dct-gsm', vnSchedules: [inpaint], references: false, backend: 'wasm' });
    expect(inpainted.settings.vn).toEqual({ method: 'vn', schedules: ['inpaint-50.gncs'] });
    expect(row(inpainted, 'vn').levels[0]!.schedule).toEqual({ file: 'inpaint-50.gncs', level: 0.5, steps: 2 });
    // Without --vn-schedule the shipped schedule nearest the level is used, and named.
    const shipped = await runDenoiseBench({ data, limit: 1, sigmas: [24], methods: ['vn'], model: 'grey-l1-dsm', crop: 24, references: false, backend: 'wasm' });
    expect(row(shipped, 'vn').levels[0]!.schedule).toMatchObject({ file: 'grey-l1-dsm-denoise-25.gncs', level: 25 });
    expect(formatBenchReport(shipped)).toMatch(/vn: the shipped learned schedule nearest each level \(σ = 24: grey-l1-dsm-denoise-25\.gncs in \d+ steps\)/);
  });
});

describe('gnc bench helpers', () => {
  it('interpolates the tuned NLM strength and G\'MIC parameters', () => {
    expect(nlmStrength(15)).toBeCloseTo(15);
    expect(nlmStrength(25)).toBeCloseTo(24);
    expect(nlmStrength(50)).toBeCloseTo(40);
    expect(nlmStrength(20)).toBeCloseTo(20 * 0.98);
    expect(nlmStrength(5)).toBeCloseTo(5);
    expect(nlmStrength(75)).toBeCloseTo(60);
    expect(gmicDenoiseArgs(25)).toBe('5,10,5,10,1,0');
  });

  it('parses option lists', () => {
    expect(parseList('--missing', parseMissingFraction('--missing'))('50%, 0.8')).toEqual([0.5, 0.8]);
    expect(() => parseList('--sigma', Number)('15,,25')).toThrow(/comma-separated/);
    expect(() => parseMissingFraction('--missing')('0')).toThrow(/above 0/);
    expect(() => parseMissingFraction('--missing')('100%')).toThrow(GncError);
  });

  it('formats plain-text tables with group headers and notes', () => {
    const text = formatTable({
      groups: [{ title: '', span: 1 }, { title: 'σ = 25', span: 2 }],
      headers: ['method', 'PSNR dB', 's/image'],
      align: ['left', 'right', 'right'],
      rows: [['GNC flow', '28.10', '1.23'], { first: 'OpenCV', note: 'not installed' }],
    });
    expect(text.split('\n')).toEqual([
      '               σ = 25',
      'method    PSNR dB  s/image',
      '--------  -------  -------',
      'GNC flow    28.10     1.23',
      'OpenCV    not installed',
    ]);
  });
});

describe('gnc bench CLI', () => {
  it('prints one JSON object with --json and a clear error for a missing folder', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    try {
      const argv = ['node', 'gnc', 'bench', 'denoise', '--data', data, '--sigma', '25', '--limit', '1', '--steps', '2', '--backend', 'cpu', '--no-references', '--json'];
      const code = await main(argv);
      expect(code, err.join('')).toBe(0);
      const report = JSON.parse(out.join('')) as BenchReport;
      expect(report.command).toBe('bench');
      expect(report.levels).toEqual([25]);
      expect(report.rows.map((r) => r.id)).toEqual(['input', 'gnc']);
      expect(err.join('')).toContain('[1/1] a.png σ=25');

      // The GNC flow's step scale and data weight reach the solver (other figures) and the report.
      out.length = 0;
      expect(await main([...argv, '--data-weight', '0.5', '--step-scale', '0.7'])).toBe(0);
      const weighted = JSON.parse(out.join('')) as BenchReport;
      expect(weighted.settings.gnc).toMatchObject({ dataWeight: 0.5, stepScale: 0.7 });
      expect(Math.abs(row(weighted, 'gnc').levels[0]!.meanPsnr! - row(report, 'gnc').levels[0]!.meanPsnr!)).toBeGreaterThan(0.01);
      expect(formatBenchReport(weighted)).toMatch(/gnc: 2 steps, .*step scale 0\.7, data weight 0\.5/);
      expect(await main([...argv, '--data-weight', '0'])).toBe(2);

      err.length = 0;
      expect(await main(['node', 'gnc', 'bench', 'inpaint', '--data', tmp.file('nowhere'), '--no-references'])).toBe(1);
      expect(err.join('')).toContain(`gnc: error: The benchmark data folder ${tmp.file('nowhere')} does not exist`);
      err.length = 0;
      expect(await main(['node', 'gnc', 'bench', 'inpaint', '--missing', '0'])).toBe(2);
      err.length = 0;
      expect(await main(['node', 'gnc', 'bench', 'inpaint', '--data', data, '--data-weight', '2', '--no-references', '--no-record'])).toBe(2);
      expect(err.join('')).toContain('A data weight applies to denoising only');
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });
});
