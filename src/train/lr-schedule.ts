/**
 * Learning-rate schedules for training priors (method.md §3: AdaBelief with
 * cosine learning-rate decay).
 */
import { checkInteger, checkNumber, invalidArgument } from '../util/errors.js';

/**
 * Learning rate for the update with 0-based index `step` out of `totalSteps`.
 *
 * - Warm-up (`step < warmupSteps`): linear, lr = lrMax · (step + 1) / warmupSteps,
 *   so the first update already moves (lrMax / warmupSteps) and the last
 *   warm-up step reaches lrMax.
 * - Cosine annealing over the remaining steps: with
 *   progress = (step − warmupSteps) / (totalSteps − warmupSteps) ∈ [0, 1],
 *   lr = lrMin + ½ (lrMax − lrMin)(1 + cos(π · progress)).
 *   lr(warmupSteps) = lrMax and lr(totalSteps) = lrMin (the PyTorch
 *   CosineAnnealingLR convention with T_max = totalSteps − warmupSteps); the
 *   last update of a run (step = totalSteps − 1) is therefore just above lrMin.
 * - Past the end (`step ≥ totalSteps`) the rate stays at lrMin.
 *
 * The result is non-decreasing during warm-up and non-increasing afterwards.
 */
export function cosineLearningRate(
  step: number,
  totalSteps: number,
  lrMax: number,
  lrMin: number,
  warmupSteps = 0,
): number {
  checkInteger('step', step, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('totalSteps', totalSteps, 1, Number.MAX_SAFE_INTEGER);
  checkNumber('lrMax', lrMax, 0, Number.MAX_VALUE);
  checkNumber('lrMin', lrMin, 0, Number.MAX_VALUE);
  if (lrMin > lrMax) throw invalidArgument('lrMin', `a number no larger than lrMax (${lrMax})`, lrMin);
  checkInteger('warmupSteps', warmupSteps, 0, Number.MAX_SAFE_INTEGER);
  if (warmupSteps >= totalSteps) {
    throw invalidArgument('warmupSteps', `an integer smaller than totalSteps (${totalSteps})`, warmupSteps);
  }

  if (step < warmupSteps) return (lrMax * (step + 1)) / warmupSteps;
  if (step >= totalSteps) return lrMin;
  const progress = (step - warmupSteps) / (totalSteps - warmupSteps);
  return lrMin + 0.5 * (lrMax - lrMin) * (1 + Math.cos(Math.PI * progress));
}
