/** A benchmark job: the bench runners of src/bench with the job's progress and cancellation. */
import { runDenoiseBench } from '../bench/denoise-bench.js';
import { runInpaintBench } from '../bench/inpaint-bench.js';
import type { BenchJobRequest, BenchJobResult } from './contract.js';
import type { JobContext } from './job-context.js';
import { GncError } from '../util/errors.js';

export async function runBenchJob(request: BenchJobRequest, ctx: JobContext): Promise<BenchJobResult> {
  ctx.progress({ fraction: 0, message: 'loading images and model', elapsed: ctx.elapsed() });
  const s = request.settings ?? {};
  // Inpainting keeps the observed pixels exactly, so a data weight there would be silently ignored.
  if (request.task === 'inpaint' && s.dataWeight !== undefined) throw new GncError('invalid-argument', 'A data weight applies to denoising only: inpainting keeps the observed pixels exactly');
  const common = {
    ...(request.data !== undefined ? { data: request.data } : {}),
    ...(request.methods ? { methods: request.methods } : {}),
    ...(request.model ? { model: request.model } : {}),
    ...(request.limit !== undefined ? { limit: request.limit } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    // σ values from the 0–255 scale of the request; the other settings as given.
    settings: {
      ...s,
      ...(s.sigma0 !== undefined ? { sigma0: s.sigma0 / 255 } : {}),
      ...(s.sigmaMin !== undefined ? { sigmaMin: s.sigmaMin / 255 } : {}),
    },
    references: request.references ?? true,
    ...(request.posteriorSamples !== undefined ? { posteriorSamples: request.posteriorSamples } : {}),
    ...(request.crop !== undefined ? { crop: request.crop } : {}),
    ...(request.vnSchedules !== undefined ? { vnSchedules: request.vnSchedules } : {}),
    backend: request.backend ?? 'auto',
    signal: ctx.signal,
    onProgress: (line: string, done: number, total: number) => {
      ctx.poll();
      const fraction = done / total;
      const elapsed = ctx.elapsed();
      ctx.progress({ fraction, message: line, step: done, steps: total, elapsed, eta: (elapsed / fraction) * (1 - fraction) });
    },
  };
  const report =
    request.task === 'denoise'
      ? await runDenoiseBench({ ...common, ...(request.levels ? { sigmas: request.levels } : {}) })
      : await runInpaintBench({ ...common, ...(request.levels ? { missing: request.levels } : {}) });
  return { kind: 'bench', report };
}
