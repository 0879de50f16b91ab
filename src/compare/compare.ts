/**
 * The GNC-flow-versus-VN comparison (gnc-priors §5): one noisy or masked
 * image, restored by the GNC flow, joint optimisation and a learned VN
 * schedule with the same prior, each traced per step (σ, energy at the
 * prior's smallest trained σ, PSNR against the clean image), plus a long
 * GNC-flow reference run whose final energy estimates the minimal energy.
 * Attainment = (E₀ − E_T) / (E₀ − E_min): 1 means the method reached the
 * lowest energy found.
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { readImage, readMask, writeImage } from '../image/io.js';
import { addGaussianNoise } from '../image/noise.js';
import type { DecodedImage } from '../image/types.js';
import { linePlot, paletteColour } from '../lab/svg-plot.js';
import { resolveModel } from '../prior/registry.js';
import { restore, type RestoreResult, type TaskName } from '../restore/restore.js';
import type { MethodName } from '../solve/solver.js';
import { writeFileAtomic } from '../util/atomic.js';
import { GncError, throwIfAborted } from '../util/errors.js';
import { loadSchedule } from '../vn/schedule-file.js';

export interface CompareOptions {
  input: string;
  clean: string;
  /** Noise σ (0–255) for denoising; the input is noisy already unless addNoise. */
  sigma?: number;
  /** Add noise of `sigma` to the clean image first (seeded) instead of reading a noisy input. */
  addNoise?: boolean;
  seed?: number;
  /** Mask file (non-zero = fill in) for inpainting. */
  mask?: string;
  model: string;
  outDir: string;
  /** A VN schedule file (default: the shipped one nearest the level). */
  vnSchedule?: string;
  /** Steps of the long GNC reference run that estimates the minimal energy. */
  referenceSteps?: number;
  signal?: AbortSignal;
  onProgress?: (message: string, done: number, total: number) => void;
}

export interface MethodTrace {
  method: MethodName | 'reference';
  label: string;
  available: boolean;
  reason?: string;
  output?: string;
  steps?: number;
  psnr?: number;
  ssim?: number;
  finalEnergy?: number;
  attainment?: number;
  /** Step with the best PSNR and that PSNR. */
  bestStep?: number;
  bestPsnr?: number;
  seconds?: number;
  trace?: Array<{ step: number; sigma: number; energy: number | null; psnr: number | null }>;
  schedule?: { file: string; level: number; steps: number };
}

export interface CompareReport {
  task: TaskName;
  input: string;
  clean: string;
  model: { name: string; id: string };
  level: number;
  inputPsnr: number;
  minimalEnergy: number;
  methods: MethodTrace[];
  files: { json: string; energyPlot: string; psnrPlot: string };
}

const LABELS: Record<MethodName | 'reference', string> = { gnc: 'GNC flow', joint: 'joint optimisation', vn: 'VN (learned schedule)', reference: 'GNC reference (long)' };

export async function runCompare(o: CompareOptions): Promise<CompareReport> {
  const task: TaskName = o.mask ? 'inpaint' : 'denoise';
  if (task === 'denoise' && o.sigma === undefined) throw new GncError('invalid-argument', 'gnc compare needs --sigma (denoising) or --mask (inpainting)');
  if (o.mask && o.sigma !== undefined) throw new GncError('invalid-argument', 'gnc compare takes either --sigma (denoising) or --mask (inpainting), not both');
  const model = await resolveModel(o.model);
  const clean = await readImage(o.clean);
  let input: DecodedImage = o.addNoise ? { ...clean, data: addGaussianNoise(clean.data, o.sigma! / 255, o.seed ?? 0) } : await readImage(o.input);
  const mask = o.mask ? await readMask(o.mask, clean.width, clean.height) : undefined;
  if (mask) {
    input = { ...input, data: input.data.slice() };
    for (let p = 0; p < mask.length; p++) if (!mask[p]) for (let k = 0; k < input.channels; k++) input.data[p * input.channels + k] = 0;
  }
  mkdirSync(o.outDir, { recursive: true });
  const level = task === 'denoise' ? o.sigma! : 1 - mask!.reduce((a, b) => a + b, 0) / mask!.length;
  const base = {
    task,
    image: input,
    model,
    reference: clean,
    traceEnergy: true,
    ...(task === 'denoise' ? { sigma: o.sigma! / 255 } : { mask: mask! }),
    ...(o.signal ? { signal: o.signal } : {}),
  };
  const plan: Array<{ method: MethodName | 'reference'; run: () => RestoreResult }> = [
    { method: 'gnc', run: () => restore({ ...base, settings: { method: 'gnc' } }) },
    { method: 'joint', run: () => restore({ ...base, settings: { method: 'joint' } }) },
    {
      method: 'vn',
      run: () => restore({ ...base, settings: { method: 'vn' }, ...(o.vnSchedule ? { schedule: { file: o.vnSchedule, schedule: loadSchedule(o.vnSchedule) } } : {}) }),
    },
    {
      // Large σ₀ (the prior's largest trained σ) and many steps: the GNC flow's best shot at the minimal energy.
      method: 'reference',
      run: () => restore({ ...base, settings: { method: 'gnc', steps: o.referenceSteps ?? 100, sigma0: Math.exp(model.architecture.layers.at(-1)!.spline.tMax), sigmaMin: Math.exp(model.architecture.layers.at(-1)!.spline.tMin) } }),
    },
  ];
  const results: Array<{ method: MethodName | 'reference'; result?: RestoreResult; reason?: string }> = [];
  for (let i = 0; i < plan.length; i++) {
    throwIfAborted(o.signal, 'comparison');
    const { method, run } = plan[i]!;
    o.onProgress?.(`running ${LABELS[method]}`, i, plan.length);
    try {
      results.push({ method, result: run() });
    } catch (err) {
      if (err instanceof GncError && err.kind === 'invalid-argument' && method !== 'gnc' && method !== 'reference') {
        results.push({ method, reason: err.message });
      } else throw err;
    }
  }
  o.onProgress?.('writing results', plan.length, plan.length);

  const energies = results.flatMap((r) => r.result?.trace.map((t) => t.energy ?? Infinity) ?? []).filter(Number.isFinite);
  const minimalEnergy = Math.min(...energies);
  const methods: MethodTrace[] = [];
  for (const { method, result, reason } of results) {
    if (!result) {
      methods.push({ method, label: LABELS[method], available: false, reason: reason! });
      continue;
    }
    const trace = result.trace.map((t) => ({ step: t.step, sigma: t.sigma * 255, energy: t.energy ?? null, psnr: t.psnr ?? null }));
    const e0 = trace[0]!.energy!;
    const eT = trace.at(-1)!.energy!;
    let best = 0;
    trace.forEach((t, i) => {
      if ((t.psnr ?? -Infinity) > (trace[best]!.psnr ?? -Infinity)) best = i;
    });
    const output = path.join(o.outDir, `${method}.png`);
    await writeImage(output, { ...result.image, bitDepth: 8 }, { bitDepth: 8 });
    methods.push({
      method,
      label: LABELS[method],
      available: true,
      output,
      steps: result.settings.steps,
      psnr: result.psnr!,
      ssim: result.ssim!,
      finalEnergy: eT,
      attainment: e0 - minimalEnergy > 0 ? (e0 - eT) / (e0 - minimalEnergy) : 1,
      bestStep: trace[best]!.step,
      bestPsnr: trace[best]!.psnr!,
      seconds: result.seconds,
      trace,
      ...(result.schedule ? { schedule: result.schedule } : {}),
    });
  }

  const plotted = methods.filter((m) => m.available);
  // Energy above the minimum on a log axis shows how close each method gets.
  // Points at the minimum itself would sit at −∞ on the log axis; show them at a floor.
  const largest = Math.max(...plotted.flatMap((m) => m.trace!.map((t) => (t.energy ?? minimalEnergy) - minimalEnergy)));
  const floor = Math.max(1e-6, 1e-4 * largest);
  const gap = (e: number | null) => Math.max((e ?? minimalEnergy) - minimalEnergy, floor);
  const energyPlot = linePlot({
    title: `Energy above the minimum found (${task === 'denoise' ? `σ = ${level}` : `${Math.round(level * 100)} % missing`})`,
    xLabel: 'step',
    yLabel: 'E(x) − E_min',
    yLog: true,
    series: plotted.map((m, i) => ({ name: m.label, x: m.trace!.map((t) => t.step), y: m.trace!.map((t) => gap(t.energy)), colour: paletteColour(i), dash: m.method === 'reference' })),
  });
  const psnrPlot = linePlot({
    title: 'PSNR against the clean image',
    xLabel: 'step',
    yLabel: 'PSNR (dB)',
    series: plotted.map((m, i) => ({ name: m.label, x: m.trace!.map((t) => t.step), y: m.trace!.map((t) => t.psnr ?? 0), colour: paletteColour(i), dash: m.method === 'reference' })),
  });
  const files = { json: path.join(o.outDir, 'compare.json'), energyPlot: path.join(o.outDir, 'energy.svg'), psnrPlot: path.join(o.outDir, 'psnr.svg') };
  await writeFileAtomic(files.energyPlot, energyPlot);
  await writeFileAtomic(files.psnrPlot, psnrPlot);
  const inputPsnr = results.find((r) => r.result)!.result!.inputPsnr!;
  const report: CompareReport = { task, input: o.addNoise ? `${o.clean} + noise σ ${o.sigma} (seed ${o.seed ?? 0})` : o.input, clean: o.clean, model: { name: model.name, id: model.id }, level, inputPsnr, minimalEnergy, methods, files };
  await writeFileAtomic(files.json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
