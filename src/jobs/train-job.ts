/**
 * A training job: the training loop of src/train with the job's progress and
 * cancellation. Cancelling saves a checkpoint (the trainer's own behaviour)
 * and ends the job as cancelled; resume continues from that checkpoint.
 */
import { selectBackend } from '../engine/backend.js';
import { DEFAULT_TRAIN_SETTINGS, train, type TrainSettings } from '../train/trainer.js';
import type { TrainJobRequest, TrainJobResult } from './contract.js';
import type { JobContext } from './job-context.js';

export function trainSettingsFrom(request: TrainJobRequest): TrainSettings {
  const s = request.settings ?? {};
  const lr = s.lr ?? DEFAULT_TRAIN_SETTINGS.lr;
  return {
    ...DEFAULT_TRAIN_SETTINGS,
    ...s,
    data: request.data,
    lr,
    lrMin: Math.min(s.lrMin ?? DEFAULT_TRAIN_SETTINGS.lrMin, lr),
    sigmaMin: s.sigmaMin !== undefined ? s.sigmaMin / 255 : DEFAULT_TRAIN_SETTINGS.sigmaMin,
    sigmaMax: s.sigmaMax !== undefined ? s.sigmaMax / 255 : DEFAULT_TRAIN_SETTINGS.sigmaMax,
  };
}

/** Keeps at most `limit` loss samples by dropping every other one when full. */
function decimate(samples: Array<{ iteration: number; loss: number }>, limit: number): void {
  if (samples.length <= limit) return;
  const kept = samples.filter((_, i) => i % 2 === 0);
  samples.length = 0;
  samples.push(...kept);
}

export async function runTrainJob(request: TrainJobRequest, ctx: JobContext): Promise<TrainJobResult> {
  ctx.progress({ fraction: 0, message: 'loading training images', elapsed: ctx.elapsed() });
  const backend = await selectBackend(request.backend ?? 'auto');
  const loss: Array<{ iteration: number; loss: number }> = [];
  let every = 1;
  const result = await train({
    settings: trainSettingsFrom(request),
    out: request.out,
    ...(request.checkpoint ? { checkpoint: request.checkpoint } : {}),
    ...(request.resume ? { resume: request.resume } : {}),
    signal: ctx.signal,
    onProgress: (p) => {
      ctx.poll();
      if (p.iteration % every === 0) {
        loss.push({ iteration: p.iteration, loss: p.loss });
        if (loss.length > 1000) {
          decimate(loss, 1000);
          every *= 2;
        }
      }
      ctx.progress({
        fraction: p.iteration / p.iterations,
        message: `iteration ${p.iteration}/${p.iterations}, loss ${p.loss.toPrecision(4)}`,
        step: p.iteration,
        steps: p.iterations,
        elapsed: ctx.elapsed(),
        eta: p.etaSeconds,
        loss: p.loss,
        ...(p.validation ? { validation: p.validation } : {}),
      });
    },
  });
  return {
    kind: 'train',
    out: result.out,
    id: result.id,
    iterations: result.iterations,
    seconds: result.seconds,
    validation: result.validation,
    backend: { name: backend.name, device: backend.device, threads: backend.threads, ...(backend.package ? { package: backend.package } : {}) },
    loss,
  };
}
