/**
 * Which learned schedule an app restoration with method 'vn' runs. Jobs take
 * a schedule FILE (or, without one, pick the nearest shipped schedule), while
 * the app speaks library ids, so this resolves a `scheduleId` to its row's
 * file after checking that it fits the task and the model: a mismatch is
 * then an error naming both sides at submit time, not a failure inside the
 * worker.
 *
 * Without a scheduleId the shipped schedules win, as in the CLI (the job
 * picks the nearest). A model with only schedules of the user's own gets the
 * library's nearest, so VN works for every model the app offers it for.
 */
import type { Library } from '../library/library.js';
import type { ScheduleRow } from '../library/schedules-repo.js';
import { DEFAULT_MODEL } from '../prior/registry.js';
import { GncError } from '../util/errors.js';
import { nearestByLevel } from '../vn/schedule-level.js';
import type { SolverMethod } from './engine-api.js';

export interface VnRequest {
  kind: 'denoise' | 'inpaint';
  method: SolverMethod | undefined;
  /** Model name or id as submitted (undefined: the default model). */
  model: string | undefined;
  scheduleId: string | undefined;
  /** σ (0–255) for denoise, missing fraction for inpaint; what "nearest" measures against. */
  level: number | undefined;
}

const levelText = (s: Pick<ScheduleRow, 'task' | 'level'>) => (s.task === 'denoise' ? `σ ${s.level}` : `${Math.round(s.level * 100)} % missing`);

/** The schedule file for the job, or undefined to let the job pick (or for methods other than 'vn'). */
export function vnScheduleFile(library: Library, r: VnRequest): string | undefined {
  if (r.scheduleId !== undefined && r.method !== 'vn') {
    throw new GncError(
      'invalid-argument',
      `scheduleId ${JSON.stringify(r.scheduleId)} picks a learned schedule for method "vn", but the request's method is ${r.method ? `"${r.method}"` : "the model's default"}; set settings.method to "vn" or leave scheduleId out`,
    );
  }
  if (r.method !== 'vn') return undefined;
  const model = r.model !== undefined ? library.models.get(r.model) : library.models.find(DEFAULT_MODEL);
  if (r.scheduleId !== undefined) {
    const row = library.schedules.get(r.scheduleId);
    if (row.task !== r.kind) {
      throw new GncError('invalid-argument', `Schedule ${row.id} was learned for ${row.task} (${levelText(row)}), not ${r.kind}; expected a ${r.kind} schedule`);
    }
    if (model && row.modelId !== model.id) {
      const owner = library.models.byId(row.modelId)?.name ?? row.modelId.slice(0, 12);
      throw new GncError('invalid-argument', `Schedule ${row.id} was learned for the model ${owner}, not ${model.name}; pick one of ${model.name}'s schedules or the model ${owner}`);
    }
    return row.filePath;
  }
  // An unknown default model is the job's to report, with the same words as the CLI.
  if (!model) return undefined;
  const candidates = library.schedules.list({ modelId: model.id, task: r.kind });
  if (candidates.some((s) => s.shipped)) return undefined;
  if (candidates.length === 0) {
    throw new GncError(
      'invalid-argument',
      `The model ${model.name} has no learned VN schedule for ${r.kind} in the library; learn one with \`gnc learn-schedule --model ${model.name} --task ${r.kind}\`, or use method "gnc"`,
    );
  }
  const level = r.level;
  if (level === undefined) return candidates[0]!.filePath;
  return nearestByLevel(candidates, (s) => s.level, r.kind, level).filePath;
}
