/**
 * The GNC flow with a data term and a predefined schedule (method.md §4.2, eq. 9):
 *
 *   x_{i+1} = prox_{λσ_i² D}(x_i − λσ_i² ∇ₓR(x_i, log σ_i))
 *
 * σ_i falls from σ₀ to σ_min on a linear or logarithmic schedule; λ (stepScale)
 * is 1 in the paper.
 */
import { sigmaSchedule, type ScheduleShape } from './schedule.js';
import { makeTrace, proximalGradientStep, type MethodName, type SolveCallbacks, type SolveProblem, type SolveResult, type StepTrace } from './solver.js';
import { checkNumber, throwIfAborted } from '../util/errors.js';

export interface GncFlowOptions extends SolveCallbacks {
  steps: number;
  sigma0: number;
  sigmaMin: number;
  schedule: ScheduleShape;
  stepScale?: number;
  /** Start from this x instead of the data term's initial point. */
  x0?: Float32Array;
}

export function solveGncFlow(problem: SolveProblem, options: GncFlowOptions): SolveResult {
  const lambda = checkNumber('step scale', options.stepScale ?? 1, 1e-4, 100);
  const sigmas = sigmaSchedule(options.sigma0, options.sigmaMin, options.steps, options.schedule);
  return proximalSteps(problem, Array.from(sigmas), new Array<number>(sigmas.length).fill(lambda), options, 'gnc');
}

/**
 * x_{i+1} = prox_{λ_i σ_i² D}(x_i − λ_i σ_i² ∇ₓR(x_i, log σ_i)) for given
 * per-step σ_i and λ_i: the GNC flow (a predefined schedule) and a learned
 * VN schedule (vn/) are both this loop.
 */
export function proximalSteps(
  problem: SolveProblem,
  sigmas: readonly number[],
  stepScales: readonly number[],
  options: SolveCallbacks & { x0?: Float32Array },
  method: MethodName,
): SolveResult {
  const started = performance.now();
  const n = problem.shape.n;
  let x = options.x0 ? options.x0.slice() : problem.data.initial();
  const trace: StepTrace[] = [makeTrace(problem, options, 0, sigmas[0]!, x, started)];
  options.onStep?.(trace[0]!, sigmas.length);
  for (let i = 0; i < sigmas.length; i++) {
    throwIfAborted(options.signal, method === 'vn' ? 'VN solver' : 'GNC flow');
    const sigma = sigmas[i]!;
    const tau = stepScales[i]! * sigma * sigma;
    x = proximalGradientStep(problem, x, new Array<number>(n).fill(Math.log(sigma)), new Array<number>(n).fill(tau));
    const step = makeTrace(problem, options, i + 1, sigma, x, started);
    trace.push(step);
    options.onStep?.(step, sigmas.length);
  }
  return { x, method, steps: sigmas.length, trace, seconds: (performance.now() - started) / 1000 };
}
