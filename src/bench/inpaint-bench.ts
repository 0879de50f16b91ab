/**
 * `gnc bench inpaint`: random-pixel inpainting. Image i loses exactly
 * round(f·H·W) pixels chosen by randomMissingMask(W, H, f, seed + i); the
 * missing pixels are set to 0 so no method can peek at them. Our solvers run
 * through restore({ task: 'inpaint' }); the reference tools (OpenCV Telea and
 * Navier–Stokes, G'MIC inpaint_pde) get the masked image as an 8-bit PNG and
 * a mask PNG whose non-zero pixels mean "fill in". PSNR is over the whole
 * image against the clean one.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeImage } from '../image/io.js';
import { psnr } from '../image/metrics.js';
import { randomMissingMask } from '../image/noise.js';
import type { RasterImage } from '../image/types.js';
import { restore } from '../restore/restore.js';
import { GncError, checkNumber, throwIfAborted } from '../util/errors.js';
import {
  METHOD_LABELS,
  closeBench,
  describeFigure,
  givenSchedule,
  openBench,
  readClean,
  referenceFigure,
  referenceRow,
  reportFor,
  type BenchOptions,
} from './denoise-bench.js';
import { scorePosterior } from './posterior-rows.js';
import { runGmicInpaint, runOpenCvInpaint } from './references.js';
import { addFigure, emptyRow, recordSchedule, type BenchReport, type BenchRow, type ImageFigure } from './table.js';

export interface InpaintBenchOptions extends BenchOptions {
  /** Missing fractions in (0, 1) (default 0.5, 0.8). */
  missing?: number[];
}

export async function runInpaintBench(o: InpaintBenchOptions = {}): Promise<BenchReport> {
  const fractions = o.missing ?? [0.5, 0.8];
  if (fractions.length === 0) throw new GncError('invalid-argument', 'Expected at least one missing fraction for --missing');
  for (const f of fractions) checkNumber('missing fraction', f, 1e-6, 1 - 1e-6);
  const ctx = await openBench('inpaint', o, 'Set12', fractions);
  try {
    const input = emptyRow({ id: 'input', label: 'masked input (holes = 0)', kind: 'input', input: 'float', available: true }, fractions);
    const ours = ctx.methods.map((m) => emptyRow({ id: m, label: METHOD_LABELS[m], kind: 'ours', input: 'float', available: true }, fractions));
    const telea = referenceRow(ctx, 'opencv', 'opencv-telea', 'OpenCV Telea (8-bit input)', fractions);
    const ns = referenceRow(ctx, 'opencv', 'opencv-ns', 'OpenCV NS (8-bit input)', fractions);
    const pde = referenceRow(ctx, 'gmic', 'gmic-inpaint-pde', "G'MIC inpaint_pde (8-bit input)", fractions);
    const posterior = ctx.posterior ? [ctx.posterior.mean, ctx.posterior.single] : [];
    const rows = [input, ...ours, ...posterior, ...[telea, ns, pde].filter((r): r is BenchRow => r !== undefined)];

    for (let i = 0; i < ctx.images.length; i++) {
      throwIfAborted(ctx.signal, 'benchmark');
      const name = ctx.images[i]!;
      const clean = await readClean(ctx, name);
      const cleanRaster: RasterImage = { width: clean.width, height: clean.height, channels: clean.channels, data: clean.data };
      const c = clean.channels;
      for (let l = 0; l < fractions.length; l++) {
        const fraction = fractions[l]!;
        const mask = randomMissingMask(clean.width, clean.height, fraction, ctx.seed + i);
        const masked: RasterImage = { ...cleanRaster, data: clean.data.slice() };
        for (let p = 0; p < mask.length; p++) if (!mask[p]) for (let k = 0; k < c; k++) masked.data[p * c + k] = 0;
        const parts: string[] = [];
        addFigure(input, l, { image: name, psnr: psnr(masked.data, clean.data), seconds: null });
        parts.push(describeFigure('input', input.levels[l]!.images.at(-1)));
        for (const row of ours) {
          const t0 = performance.now();
          const result = restore({ task: 'inpaint', image: masked, mask, model: ctx.model, reference: cleanRaster, settings: ctx.settings[row.id]!, ...givenSchedule(ctx, row.id, 'inpaint', fraction), ...(ctx.signal ? { signal: ctx.signal } : {}) });
          addFigure(row, l, { image: name, psnr: result.psnr!, seconds: (performance.now() - t0) / 1000 });
          recordSchedule(row, l, result.schedule);
          parts.push(describeFigure(row.label, row.levels[l]!.images.at(-1)));
        }
        if (ctx.posterior) {
          scorePosterior(ctx.posterior, { model: ctx.model, image: name, levelIndex: l, observed: masked, clean: cleanRaster, mask, seed: ctx.seed + i, ...(ctx.signal ? { signal: ctx.signal } : {}) });
          parts.push(describeFigure('posterior mean', ctx.posterior.mean.levels[l]!.images.at(-1)));
        }
        if (ctx.references && (ctx.references.opencv.available || ctx.references.gmic.available)) {
          const maskedPng = path.join(ctx.tmp, 'masked.png');
          const maskPng = path.join(ctx.tmp, 'mask.png');
          await writeImage(maskedPng, masked, { bitDepth: 8 });
          await writeImage(maskPng, { width: clean.width, height: clean.height, channels: 1, data: mask.map((m) => 1 - m) }, { bitDepth: 8 });
          if (telea?.available && ns?.available) {
            const outs = { telea: path.join(ctx.tmp, 'opencv-telea.png'), ns: path.join(ctx.tmp, 'opencv-ns.png') };
            // One call runs both; each figure reads its own output and keeps its own time.
            let seconds: { telea: number; ns: number } | undefined;
            let failure: ImageFigure | undefined;
            try {
              await Promise.all(Object.values(outs).map((f) => fs.rm(f, { force: true })));
              seconds = await runOpenCvInpaint(maskedPng, maskPng, outs, ctx.referencePaths);
            } catch (err) {
              failure = { image: name, psnr: null, seconds: null, error: (err as Error).message.split('\n')[0] };
            }
            for (const [row, key] of [[telea, 'telea'], [ns, 'ns']] as const) {
              addFigure(row, l, failure ?? (await referenceFigure(name, cleanRaster, outs[key], async () => seconds![key], false)));
            }
            parts.push(describeFigure('Telea', telea.levels[l]!.images.at(-1)), describeFigure('NS', ns.levels[l]!.images.at(-1)));
          }
          if (pde?.available) {
            const out = path.join(ctx.tmp, 'gmic-inpaint.png');
            addFigure(pde, l, await referenceFigure(name, cleanRaster, out, () => runGmicInpaint(maskedPng, maskPng, out, ctx.referencePaths)));
            parts.push(describeFigure("G'MIC", pde.levels[l]!.images.at(-1)));
          }
        }
        ctx.progress(`[${i + 1}/${ctx.images.length}] ${name} ${Number((fraction * 100).toFixed(2))}% missing: ${parts.join(' · ')}`, i * fractions.length + l + 1, ctx.images.length * fractions.length);
      }
    }
    return reportFor(ctx, 'inpaint', fractions, rows);
  } finally {
    await closeBench(ctx);
  }
}
