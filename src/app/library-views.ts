/**
 * Library rows as the app shows them (engine-api.ts shapes): models with
 * their σ range and per-task solver defaults, runs with links to their
 * pictures, training runs with their loss curves. Read-only mapping; the
 * engine decides what to fetch.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Library } from '../library/library.js';
import { readModelInfo } from '../library/model-info.js';
import type { ModelRow } from '../library/models-repo.js';
import type { RunRow } from '../library/runs-repo.js';
import type { ScheduleRow } from '../library/schedules-repo.js';
import type { TrainingRow } from '../library/training-repo.js';
import { DEFAULT_MODEL } from '../prior/registry.js';
import type { ApiError, ApiErrorKind, ModelSummary, RunDetail, RunSummary, ScheduleSummary, SolverMethod, SolverSettings, TrainingDetail, TrainingSummary } from './engine-api.js';
import { isApiErrorKind } from './api-errors.js';

/**
 * restore/restore.ts FALLBACK_SETTINGS with σ on 0–255. Copied, not
 * imported: that module loads tfjs, which the app's main thread never needs.
 * tests/app/library-views.test.ts checks the two agree.
 */
export const FALLBACK_DEFAULTS: Record<'denoise' | 'inpaint', Required<SolverSettings>> = {
  denoise: { method: 'gnc', steps: 15, sigma0: 0.4 * 255, sigmaMin: 0.02 * 255, schedule: 'log', stepScale: 1, tStep: 3, dataWeight: 1 },
  inpaint: { method: 'gnc', steps: 60, sigma0: 0.4 * 255, sigmaMin: 0.01 * 255, schedule: 'log', stepScale: 1, tStep: 3, dataWeight: 1 },
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A model's recommended settings for a task (metadata.defaults on [0, 1]) over the fallbacks, σ on 0–255. */
export function taskDefaults(metadata: Json, task: 'denoise' | 'inpaint'): Required<SolverSettings> {
  const merged: Required<SolverSettings> = { ...FALLBACK_DEFAULTS[task] };
  const given = isObject(metadata.defaults) && isObject(metadata.defaults[task]) ? metadata.defaults[task] : {};
  const m = merged as unknown as Json;
  for (const key of Object.keys(merged)) {
    const v = (given as Json)[key];
    if (v === undefined) continue;
    m[key] = (key === 'sigma0' || key === 'sigmaMin') && typeof v === 'number' ? v * 255 : v;
  }
  return merged;
}

function architectureFacts(architecture: Json): Pick<ModelSummary, 'layers' | 'features' | 'inChannels' | 'sigmaRange'> {
  const layers = Array.isArray(architecture.layers) ? architecture.layers.filter(isObject) : [];
  const last = layers.at(-1);
  const spline = last && isObject(last.spline) ? last.spline : undefined;
  const tMin = spline?.tMin;
  const tMax = spline?.tMax;
  return {
    layers: layers.length,
    features: layers.map((l) => (typeof l.features === 'number' ? l.features : 0)),
    inChannels: typeof architecture.inChannels === 'number' ? architecture.inChannels : 1,
    sigmaRange: typeof tMin === 'number' && typeof tMax === 'number' ? [Math.exp(tMin) * 255, Math.exp(tMax) * 255] : null,
  };
}

// Metadata is read from the model file once per model id (ids are content hashes, so it never goes stale).
const metadataCache = new Map<string, Json>();

function metadataOf(row: ModelRow): Json {
  let metadata = metadataCache.get(row.id);
  if (!metadata) {
    try {
      metadata = readModelInfo(row.filePath).metadata;
    } catch {
      // A missing or damaged file is `gnc library check`'s to report; the list still shows the row.
      metadata = {};
    }
    metadataCache.set(row.id, metadata);
  }
  return metadata;
}

/**
 * What the model can run. The joint rule is restore.ts checkMethodFits's
 * (which refuses joint for alpha = 0 at run time); stating it here lets the
 * app disable the choice instead of failing after the user pressed Run.
 */
export function modelMethods(metadata: Json, hasSchedule: boolean): SolverMethod[] {
  const training = isObject(metadata.training) ? metadata.training : {};
  const alpha = isObject(training.settings) ? training.settings.alpha : undefined;
  return ['gnc', ...(alpha === 0 ? [] : ['joint' as const]), ...(hasSchedule ? ['vn' as const] : [])];
}

/** `scheduled`: ids of the models the library holds a schedule for (SchedulesRepo.modelIds()). */
export function modelSummary(row: ModelRow, scheduled: ReadonlySet<string>): ModelSummary {
  const metadata = metadataOf(row);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    shipped: row.shipped,
    isDefault: row.shipped && row.name === DEFAULT_MODEL,
    ...architectureFacts(row.architecture),
    defaults: { denoise: taskDefaults(metadata, 'denoise'), inpaint: taskDefaults(metadata, 'inpaint') },
    methods: modelMethods(metadata, scheduled.has(row.id)),
    tags: row.tags,
    notes: row.notes,
    iterations: row.iterations,
    trainingData: row.trainingData,
    validation: row.validation,
    fileBytes: row.fileBytes,
    createdAt: row.createdAt,
  };
}

function errorOf(message: string | null, kind: string | null): ApiError | null {
  if (message === null) return null;
  return { kind: (isApiErrorKind(kind) ? kind : 'internal') as ApiErrorKind, message };
}

/** Whether a run can be repeated: a restoration whose input (and mask) files are still there. */
export function rerunnable(run: RunRow): boolean {
  if (run.kind !== 'denoise' && run.kind !== 'inpaint') return false;
  if (!run.inputPath || !existsSync(run.inputPath)) return false;
  return run.kind === 'denoise' || (typeof run.params.mask === 'string' && existsSync(run.params.mask));
}

export function runSummary(lib: Library, run: RunRow): RunSummary {
  const model = run.modelId ? lib.models.byId(run.modelId) : undefined;
  const input = typeof run.params.input === 'string' ? run.params.input : run.inputPath;
  return {
    id: run.id,
    kind: run.kind,
    method: run.method,
    model: run.modelId ? { id: run.modelId, name: model?.name ?? run.modelId.slice(0, 12) } : null,
    status: run.status,
    inputName: input ? path.basename(input) : null,
    psnr: run.psnr,
    ssim: run.ssim,
    seconds: run.seconds,
    error: errorOf(run.errorMessage, run.errorKind),
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
    outputUrl: run.outputPath ? `/api/runs/${run.id}/output` : null,
    thumbUrl: run.thumbPath ? `/api/runs/${run.id}/thumb` : null,
    canRerun: rerunnable(run),
  };
}

export function runDetail(lib: Library, run: RunRow): RunDetail {
  return {
    ...runSummary(lib, run),
    params: run.params,
    backend: run.backend,
    traces: run.traces,
    inputPath: run.inputPath,
    outputPath: run.outputPath,
    startedAt: run.startedAt,
  };
}

export function scheduleSummary(lib: Library, s: ScheduleRow): ScheduleSummary {
  return {
    id: s.id,
    modelId: s.modelId,
    modelName: lib.models.byId(s.modelId)?.name ?? null,
    task: s.task,
    level: s.level,
    steps: s.steps,
    figures: s.figures,
    shipped: s.shipped,
    createdAt: s.createdAt,
  };
}

export function trainingSummary(t: TrainingRow): TrainingSummary {
  return {
    id: t.id,
    status: t.status,
    modelId: t.modelId,
    iterations: t.iterations,
    seconds: t.seconds,
    dataDescription: t.dataDescription,
    error: errorOf(t.errorMessage, t.errorKind),
    createdAt: t.createdAt,
    finishedAt: t.finishedAt,
    resumable: isResumable(t),
  };
}

/** A run that ended early and left its checkpoint behind (the trainer saves one when cancelled). */
export function isResumable(t: TrainingRow): boolean {
  return (t.status === 'cancelled' || t.status === 'failed') && t.checkpointPath !== null && existsSync(t.checkpointPath);
}

export function trainingDetail(t: TrainingRow): TrainingDetail {
  return { ...trainingSummary(t), settings: t.settings, validation: t.validation, loss: t.lossCurve.map((s) => ({ iteration: s.iteration, loss: s.loss })) };
}
