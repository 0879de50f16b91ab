/**
 * Which learned schedule fits a level, and when one does not: pure rules with
 * no Node or DOM imports, shared by the engine (schedule-file.ts, the app's
 * library choice) and the renderer, which warns before a run.
 */

/**
 * Noise above the level a schedule was learned for counts this much farther
 * than noise below it. Measured on the first 8 BSD68 images with grey-l1-dsm:
 * its σ 25 schedule at σ 35 gave 26.44 dB against 26.73 for the GNC flow and
 * 26.75 for its σ 50 schedule, while below their levels (σ 18 and 20 with the
 * σ 25 schedule) schedules stayed level with or above the GNC flow. With 1.5 the
 * switch from the σ 25 to the σ 50 schedule falls at σ 33 and from σ 15 to 25
 * at σ 18.4, which picks the better schedule at every level
 * where both were measured (18, 20, 30, 35).
 */
export const ABOVE_LEVEL_WEIGHT = 1.5;

/**
 * How far a schedule learned at `learned` is from the level asked for: in log
 * σ for noise, ABOVE_LEVEL_WEIGHT times farther above the learned level than
 * below it; linearly for missing fractions. Shared with the app, which picks
 * among library schedules.
 */
export function levelDistance(task: 'denoise' | 'inpaint', learned: number, wanted: number): number {
  if (task === 'inpaint') return Math.abs(learned - wanted);
  const above = Math.log(wanted) - Math.log(learned);
  return above > 0 ? ABOVE_LEVEL_WEIGHT * above : -above;
}

/** Noise more than this factor above a schedule's level gets a warning (scheduleLevelWarning). */
export const ABOVE_LEVEL_WARNING = 1.15;

/**
 * A warning when a denoising schedule runs on noise well above the level it
 * was learned for, where it can fall far below the GNC flow: on the first 8
 * BSD68 images the fine-tuned grey-l1-dsm-vn25 gave 27.20 dB at σ 30 (GNC flow
 * 27.41) and 24.44 at σ 35 (GNC 26.73). Undefined when the level fits.
 */
export function scheduleLevelWarning(task: 'denoise' | 'inpaint', learned: number, wanted: number): string | undefined {
  if (task !== 'denoise' || wanted <= learned * ABOVE_LEVEL_WARNING) return undefined;
  const f = (v: number) => Number(v.toFixed(1));
  return (
    `The VN schedule was learned for noise σ ${f(learned)} but the noise here is σ ${f(wanted)}; ` +
    `above its level a schedule loses quality fast and can end well below the GNC flow. ` +
    `Learn a schedule for this level (gnc learn-schedule --sigma ${f(wanted)}) or use the GNC flow`
  );
}

/** The item whose level is nearest to `level` by levelDistance (the first of equals); `items` must not be empty. */
export function nearestByLevel<T>(items: readonly T[], levelOf: (item: T) => number, task: 'denoise' | 'inpaint', level: number): T {
  const distance = (item: T) => levelDistance(task, levelOf(item), level);
  return items.reduce((best, item) => (distance(item) < distance(best) ? item : best));
}
