/**
 * compare, learn-schedule and sample as jobs: their engine functions with the
 * job's progress and cancellation; each result is the function's report.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { selectBackend } from '../engine/backend.js';
import { runCompare } from '../compare/compare.js';
import { DEFAULT_MODEL, resolveModel } from '../prior/registry.js';
import { sampleImages } from '../sample/sample-images.js';
import { MODEL_EXTENSION, saveModel } from '../prior/model-file.js';
import { GncError } from '../util/errors.js';
import { learnSchedule } from '../vn/learn-schedule.js';
import { loadScheduleFor, saveSchedule, SCHEDULE_EXTENSION } from '../vn/schedule-file.js';
import type { CompareJobRequest, LearnScheduleJobRequest, ReportJobResult, SampleJobRequest } from './contract.js';
import type { JobContext } from './job-context.js';

function progressFor(ctx: JobContext) {
  return (fraction: number, message: string, step?: number, steps?: number) => {
    ctx.poll();
    const elapsed = ctx.elapsed();
    ctx.progress({
      fraction,
      message,
      elapsed,
      ...(step !== undefined ? { step } : {}),
      ...(steps !== undefined ? { steps } : {}),
      ...(fraction > 0 ? { eta: (elapsed / fraction) * (1 - fraction) } : {}),
    });
  };
}

export async function runCompareJob(r: CompareJobRequest, ctx: JobContext): Promise<ReportJobResult> {
  await selectBackend(r.backend ?? 'auto');
  const progress = progressFor(ctx);
  const { backend: _backend, kind: _kind, ...options } = r;
  const report = await runCompare({ ...options, model: r.model ?? DEFAULT_MODEL, signal: ctx.signal, onProgress: (message, done, total) => progress(done / total, message, done, total) });
  return { kind: 'compare', report: report as unknown as Record<string, unknown>, output: report.files.json, seconds: ctx.elapsed() };
}

export async function runSampleJob(r: SampleJobRequest, ctx: JobContext): Promise<ReportJobResult> {
  await selectBackend(r.backend ?? 'auto');
  const progress = progressFor(ctx);
  const { backend: _backend, kind: _kind, ...options } = r;
  const report = await sampleImages({ ...options, model: r.model ?? DEFAULT_MODEL, signal: ctx.signal, onProgress: (fraction, message) => progress(fraction, message) });
  return { kind: 'sample', report: report as unknown as Record<string, unknown>, output: report.json, seconds: report.seconds };
}

/** A learned schedule to start from: it must be for this model and task. */
function startingSchedule(file: string, model: { id: string; name: string }, task: 'denoise' | 'inpaint'): { sigmas: number[]; stepScales: number[]; from: string } {
  const s = loadScheduleFor(file, model, task);
  return { sigmas: s.sigmas, stepScales: s.stepScales, from: path.basename(file) };
}

export async function runLearnScheduleJob(r: LearnScheduleJobRequest, ctx: JobContext): Promise<ReportJobResult> {
  if (!r.out.endsWith(SCHEDULE_EXTENSION)) throw new GncError('invalid-argument', `Expected a ${SCHEDULE_EXTENSION} file for out but received ${JSON.stringify(r.out)}`);
  // The checkpoint and the outputs go beside --out; create its folder up front.
  await fs.mkdir(path.dirname(path.resolve(r.out)), { recursive: true });
  const modelOut = r.finetune ? (r.modelOut ?? r.out.slice(0, -SCHEDULE_EXTENSION.length) + MODEL_EXTENSION) : undefined;
  if (modelOut !== undefined && !modelOut.endsWith(MODEL_EXTENSION)) {
    throw new GncError('invalid-argument', `Expected a ${MODEL_EXTENSION} file for the fine-tuned model but received ${JSON.stringify(modelOut)}`);
  }
  if (r.modelOut !== undefined && !r.finetune) throw new GncError('invalid-argument', 'modelOut is only written with finetune');
  await selectBackend(r.backend ?? 'auto');
  const model = await resolveModel(r.model ?? DEFAULT_MODEL);
  const init = r.init !== undefined ? startingSchedule(r.init, model, r.task) : undefined;
  const progress = progressFor(ctx);
  const { schedule, prior } = await learnSchedule({
    model,
    task: r.task,
    level: r.level,
    steps: r.steps,
    data: r.data,
    iterations: r.iterations,
    ...(r.patch !== undefined ? { patch: r.patch } : {}),
    ...(r.batch !== undefined ? { batch: r.batch } : {}),
    ...(r.seed !== undefined ? { seed: r.seed } : {}),
    ...(r.lr !== undefined ? { lr: r.lr } : {}),
    ...(r.holdout !== undefined ? { holdout: r.holdout } : {}),
    ...(r.finetune ? { finetune: true } : {}),
    ...(r.priorLr !== undefined ? { priorLr: r.priorLr } : {}),
    ...(init ? { init } : {}),
    checkpoint: `${r.out}.ckpt.json`,
    resume: r.resume === true,
    signal: ctx.signal,
    onProgress: (p) =>
      progress(p.iteration / p.iterations, `iteration ${p.iteration}/${p.iterations}, train PSNR ${p.psnr.toFixed(2)} dB${p.validation !== undefined ? `, held-out ${p.validation.toFixed(2)} dB` : ''}`, p.iteration, p.iterations),
  });
  if (prior && modelOut) {
    // The tuned prior is a model of its own: the schedule is bound to its identity, not to the one it started from.
    const name = `${model.name}-vn-${r.task}-${r.task === 'denoise' ? r.level : Math.round(r.level * 100)}`;
    // Its creation time is now, and the base's measured figures describe the base, not it: neither is inherited.
    const { created: _created, figures: _figures, ...inherited } = model.metadata;
    const id = await saveModel(modelOut, model.architecture, prior.parameters, {
      ...inherited,
      created: new Date().toISOString(),
      name,
      description: `${model.name} fine-tuned end to end through ${r.steps} VN steps for ${r.task === 'denoise' ? `denoising at σ ${r.level}` : `inpainting ${Math.round(r.level * 100)} % missing pixels`}; use it with its schedule (--method vn)`,
      finetune: { ...prior.finetune, data: r.data },
    });
    schedule.modelId = id;
    schedule.modelName = name;
  }
  await saveSchedule(r.out, schedule);
  return {
    kind: 'learn-schedule',
    report: schedule as unknown as Record<string, unknown>,
    output: path.resolve(r.out),
    seconds: ctx.elapsed(),
    ...(modelOut && prior ? { model: path.resolve(modelOut) } : {}),
  };
}
