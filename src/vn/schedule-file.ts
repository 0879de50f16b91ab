/**
 * Learned VN schedules on disk (`.gncs`, JSON): per-step σᵢ and step scales
 * λᵢ for one task and noise level / missing ratio, bound to the prior they
 * were learned for by its identity hash (architecture and weights only), so
 * loading a schedule with another model is a clear error, while notes added
 * to the model later do not break the link.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { GncError } from '../util/errors.js';
import { resourcesDir } from '../util/paths.js';
import { nearestByLevel } from './schedule-level.js';

export const SCHEDULE_FORMAT = 'gnc-schedule';
export const SCHEDULE_VERSION = 1;
export const SCHEDULE_EXTENSION = '.gncs';

export interface VnSchedule {
  format: typeof SCHEDULE_FORMAT;
  version: number;
  /** Identity hash of the prior (model-file identity). */
  modelId: string;
  modelName: string;
  task: 'denoise' | 'inpaint';
  /** Noise σ on the 0–255 scale (denoise) or the missing fraction (inpaint). */
  level: number;
  /** Per step: smoothing σᵢ on the 0–255 scale. */
  sigmas: number[];
  /** Per step: λᵢ, the step τᵢ = λᵢ σᵢ² relative to σᵢ². */
  stepScales: number[];
  /** What it was learned from and how well it did. */
  training?: Record<string, unknown>;
  figures?: Record<string, number>;
}

function bad(where: string, message: string): GncError {
  return new GncError('invalid-argument', `The schedule ${where} is not valid: ${message}`);
}

export function checkSchedule(value: unknown, where = '(in memory)'): VnSchedule {
  if (typeof value !== 'object' || value === null) throw bad(where, 'expected a JSON object');
  const s = value as Partial<VnSchedule>;
  if (s.format !== SCHEDULE_FORMAT) throw bad(where, `expected format "${SCHEDULE_FORMAT}" but found ${JSON.stringify(s.format)}`);
  if (s.version !== SCHEDULE_VERSION) throw bad(where, `this version of GNC Studio reads schedule version ${SCHEDULE_VERSION} but the file is version ${JSON.stringify(s.version)}`);
  if (typeof s.modelId !== 'string' || !/^[0-9a-f]{64}$/.test(s.modelId)) throw bad(where, 'modelId must be a 64-hex model identity');
  if (typeof s.modelName !== 'string') throw bad(where, 'modelName must be a string');
  if (s.task !== 'denoise' && s.task !== 'inpaint') throw bad(where, `task must be "denoise" or "inpaint" but is ${JSON.stringify(s.task)}`);
  const levelOk = typeof s.level === 'number' && Number.isFinite(s.level) && (s.task === 'denoise' ? s.level > 0 && s.level <= 255 : s.level >= 0 && s.level < 1);
  if (!levelOk) throw bad(where, `level ${JSON.stringify(s.level)} is not a ${s.task === 'denoise' ? 'noise level in (0, 255]' : 'missing fraction in [0, 1)'}`);
  const positive = (name: string, list: unknown): number[] => {
    if (!Array.isArray(list) || list.length < 1 || list.length > 1000) throw bad(where, `${name} must be a list of 1 to 1000 numbers`);
    list.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw bad(where, `${name}[${i}] must be a positive number but is ${JSON.stringify(v)}`);
    });
    return list as number[];
  };
  const sigmas = positive('sigmas', s.sigmas);
  const steps = positive('stepScales', s.stepScales);
  if (sigmas.length !== steps.length) throw bad(where, `${sigmas.length} sigmas but ${steps.length} stepScales`);
  return s as VnSchedule;
}

export function loadSchedule(file: string): VnSchedule {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new GncError('io', `Could not read the schedule ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw bad(file, `not JSON (${(err as Error).message})`);
  }
  return checkSchedule(json, file);
}

export async function saveSchedule(file: string, schedule: VnSchedule): Promise<void> {
  checkSchedule(schedule);
  await writeFileAtomic(file, `${JSON.stringify(schedule, null, 2)}\n`);
}

/** Refuses a schedule learned for another prior. */
export function checkScheduleFits(schedule: VnSchedule, model: { id: string; name: string }, where: string): void {
  if (schedule.modelId !== model.id) {
    throw new GncError(
      'invalid-argument',
      `The schedule ${where} was learned for the model ${schedule.modelName} (id ${schedule.modelId.slice(0, 12)}), not for ${model.name} (id ${model.id.slice(0, 12)}); learn one for this model with \`gnc learn-schedule\``,
    );
  }
}

/** A schedule file that must fit this model and task, refused by name otherwise. */
export function loadScheduleFor(file: string, model: { id: string; name: string }, task: 'denoise' | 'inpaint'): VnSchedule {
  const schedule = loadSchedule(file);
  checkScheduleFits(schedule, model, file);
  if (schedule.task !== task) throw new GncError('invalid-argument', `The schedule ${file} is for ${schedule.task}, not ${task}`);
  return schedule;
}

export function shippedSchedulesDir(): string {
  return path.join(resourcesDir(), 'schedules');
}

/** Shipped schedules for a model and task, sorted by level. */
export function shippedSchedules(modelId: string, task: 'denoise' | 'inpaint', dir = shippedSchedulesDir()): Array<{ file: string; schedule: VnSchedule }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(SCHEDULE_EXTENSION))
    .map((f) => ({ file: path.join(dir, f), schedule: loadSchedule(path.join(dir, f)) }))
    .filter(({ schedule }) => schedule.modelId === modelId && schedule.task === task)
    .sort((a, b) => a.schedule.level - b.schedule.level);
}

/**
 * The shipped schedule nearest to a level (levelDistance), or a clear error
 * naming what exists.
 */
export function pickSchedule(
  model: { id: string; name: string },
  task: 'denoise' | 'inpaint',
  level: number,
  dir = shippedSchedulesDir(),
): { file: string; schedule: VnSchedule } {
  const candidates = shippedSchedules(model.id, task, dir);
  if (candidates.length === 0) {
    throw new GncError(
      'invalid-argument',
      `No learned VN schedule for ${task} ships with the model ${model.name}; learn one with \`gnc learn-schedule --model ${model.name} --task ${task} …\` and pass it with --schedule, or use --method gnc`,
    );
  }
  return nearestSchedule(candidates, task, level);
}

/** The candidate whose level is nearest by levelDistance (log σ, above the level counting more, for denoising; missing fraction for inpainting). */
export function nearestSchedule<T extends { schedule: VnSchedule }>(candidates: T[], task: 'denoise' | 'inpaint', level: number): T {
  if (candidates.length === 0) throw new GncError('invalid-argument', `Expected at least one ${task} schedule to choose from`);
  return nearestByLevel(candidates, (c) => c.schedule.level, task, level);
}
