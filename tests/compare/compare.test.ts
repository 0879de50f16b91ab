import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { runCompare } from '../../src/compare/compare.js';
import { resolveModel } from '../../src/prior/registry.js';
import { saveSchedule, SCHEDULE_FORMAT } from '../../src/vn/schedule-file.js';
import { writeImage } from '../../src/image/io.js';
import { syntheticImage, tempDir } from '../helpers/fixtures.js';
import { useBackend } from '../helpers/backends.js';

const tmp = tempDir('gnc-compare-');
beforeAll(() => useBackend('wasm'));
afterAll(() => tmp.cleanup());

describe('gnc compare', () => {
  it('runs GNC flow, joint and VN on one input, traces energy and PSNR, and the long reference attains the minimum', async () => {
    const clean = tmp.file('clean.png');
    await writeImage(clean, syntheticImage(48, 40, 1, { seed: 2 }), { bitDepth: 8 });
    const model = await resolveModel('starter-dct-gsm');
    const schedule = tmp.file('s.gncs');
    await saveSchedule(schedule, { format: SCHEDULE_FORMAT, version: 1, modelId: model.id, modelName: model.name, task: 'denoise', level: 25, sigmas: [60, 30, 15, 8], stepScales: [1, 1, 1, 1] });
    const report = await runCompare({ input: clean, clean, sigma: 25, addNoise: true, seed: 1, model: 'starter-dct-gsm', outDir: tmp.file('out'), vnSchedule: schedule, referenceSteps: 40 });
    expect(report.methods.map((m) => [m.method, m.available])).toEqual([['gnc', true], ['joint', true], ['vn', true], ['reference', true]]);
    for (const m of report.methods) {
      expect(existsSync(m.output!)).toBe(true);
      expect(m.trace!.length).toBe(m.steps! + 1);
      expect(m.psnr!).toBeGreaterThan(report.inputPsnr);
      expect(m.attainment!).toBeLessThanOrEqual(1 + 1e-9);
      expect(m.finalEnergy!).toBeGreaterThanOrEqual(report.minimalEnergy);
    }
    expect(report.methods.find((m) => m.method === 'vn')!.schedule).toMatchObject({ file: schedule, steps: 4 });
    const json = JSON.parse(readFileSync(report.files.json, 'utf8'));
    expect(json.methods).toHaveLength(4);
    for (const plot of [report.files.energyPlot, report.files.psnrPlot]) expect(readFileSync(plot, 'utf8')).toMatch(/^<svg[\s\S]*GNC flow[\s\S]*<\/svg>\s*$/);
  });

  it('reports a method it cannot run instead of failing the comparison', async () => {
    const clean = tmp.file('clean2.png');
    await writeImage(clean, syntheticImage(32, 32, 1), { bitDepth: 8 });
    const report = await runCompare({ input: clean, clean, sigma: 20, addNoise: true, model: 'grey-l1-dsm', outDir: tmp.file('out2'), referenceSteps: 10 });
    const joint = report.methods.find((m) => m.method === 'joint')!;
    expect(joint.available).toBe(false);
    expect(joint.reason).toMatch(/t-term/);
    expect(report.methods.find((m) => m.method === 'gnc')!.available).toBe(true);
  });
});
