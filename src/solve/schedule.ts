/** Predefined smoothing schedules σ₀ > … > σ_{T−1} for the GNC flow (method.md §4.2). */
import { GncError, checkInteger } from '../util/errors.js';

export type ScheduleShape = 'linear' | 'log';

export function sigmaSchedule(sigma0: number, sigmaMin: number, steps: number, shape: ScheduleShape): Float64Array {
  checkInteger('steps', steps, 1, 100_000);
  if (!(sigma0 > 0) || !(sigmaMin > 0) || !Number.isFinite(sigma0)) {
    throw new GncError('invalid-argument', `Schedule needs σ₀ > 0 and σ_min > 0 but received σ₀ = ${sigma0}, σ_min = ${sigmaMin}`);
  }
  if (sigmaMin > sigma0) {
    throw new GncError('invalid-argument', `Schedule needs σ_min ≤ σ₀ but received σ₀ = ${sigma0}, σ_min = ${sigmaMin}`);
  }
  const out = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    const a = steps === 1 ? 0 : i / (steps - 1);
    out[i] = shape === 'linear' ? sigma0 + (sigmaMin - sigma0) * a : sigma0 * Math.pow(sigmaMin / sigma0, a);
  }
  return out;
}
