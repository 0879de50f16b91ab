/**
 * Which learned schedule a VN denoising run will use, and whether it fits the
 * noise level, so the solver panel can warn before Run rather than after.
 * The rule is the engine's own (src/vn/schedule-level.ts, pure), not a copy.
 */
import type { ScheduleSummary } from '../api/types.js';
import { nearestByLevel, scheduleLevelWarning } from '../../../../src/vn/schedule-level.js';

/**
 * The chosen schedule, else the nearest one the engine would take: among the
 * shipped schedules when the model has any (the job picks from those), else
 * among the library's. Undefined when there is none to use.
 */
export function scheduleForRun(schedules: readonly ScheduleSummary[], scheduleId: string | undefined, task: 'denoise' | 'inpaint', level: number): ScheduleSummary | undefined {
  const own = schedules.filter((s) => s.task === task);
  if (scheduleId !== undefined) return own.find((s) => s.id === scheduleId);
  const shipped = own.filter((s) => s.shipped);
  const candidates = shipped.length > 0 ? shipped : own;
  return candidates.length > 0 ? nearestByLevel(candidates, (s) => s.level, task, level) : undefined;
}

/** The engine's warning for a denoising schedule run on noise well above its level; null when it fits. */
export function vnLevelWarning(schedules: readonly ScheduleSummary[], scheduleId: string | undefined, task: 'denoise' | 'inpaint', level: number | undefined): string | null {
  if (task !== 'denoise' || level === undefined) return null;
  const used = scheduleForRun(schedules, scheduleId, task, level);
  return (used && scheduleLevelWarning(task, used.level, level)) ?? null;
}
