/**
 * Joint optimisation over the image and the smoothing (method.md §4.1,
 * gnc-priors Algorithm 2): a preconditioned proximal gradient step in x,
 * then a projected gradient step in t = log σ:
 *
 *   x_{i+1} = prox_{τσ_i² D}(x_i − τσ_i² ∇ₓR(x_i, t_i))
 *   t_{i+1} = clip(t_i − (τ_t / N) ∂ₜR(x_{i+1}, t_i), [t_min, t_max])
 *
 * N is the number of values per sample (the summands of R). Each sample of a
 * batch (e.g. each colour plane) carries its own t.
 */
import { geometricMean, makeTrace, proximalGradientStep, type SolveCallbacks, type SolveProblem, type SolveResult, type StepTrace } from './solver.js';
import { checkInteger, checkNumber, throwIfAborted } from '../util/errors.js';

export interface JointOptions extends SolveCallbacks {
  steps: number;
  sigma0: number;
  /** τ, the step in x relative to σ². */
  stepScale?: number;
  /** τ_t, the step in t. */
  tStep?: number;
  /** Lower bound for σ (defaults to the prior's smallest trained σ). */
  sigmaMin?: number;
  x0?: Float32Array;
}

export function solveJoint(problem: SolveProblem, options: JointOptions): SolveResult {
  const started = performance.now();
  const steps = checkInteger('steps', options.steps, 1, 100_000);
  const tau = checkNumber('step scale', options.stepScale ?? 1, 1e-4, 100);
  const tauT = checkNumber('t step', options.tStep ?? 1, 0, 1e6);
  const { tMin: priorMin, tMax } = problem.prior.tRange;
  const tMin = options.sigmaMin ? Math.max(priorMin, Math.log(options.sigmaMin)) : priorMin;
  const n = problem.shape.n;
  const perSample = problem.shape.h * problem.shape.w * problem.shape.c;
  const t = new Array<number>(n).fill(Math.min(tMax, Math.max(tMin, Math.log(options.sigma0))));
  let x = options.x0 ? options.x0.slice() : problem.data.initial();
  const sigmaNow = () => geometricMean(t.map(Math.exp));
  const trace: StepTrace[] = [makeTrace(problem, options, 0, sigmaNow(), x, started)];
  options.onStep?.(trace[0]!, steps);
  for (let i = 0; i < steps; i++) {
    throwIfAborted(options.signal, 'joint optimisation');
    // One step size per sample: σ_i² differs between samples.
    x = proximalGradientStep(problem, x, t, t.map((tb) => tau * Math.exp(2 * tb)));
    const sigmaUsed = sigmaNow();
    const dT = problem.prior.evaluate(x, problem.shape, t, { gradT: true }).gradT!;
    for (let b = 0; b < n; b++) t[b] = Math.min(tMax, Math.max(tMin, t[b]! - (tauT / perSample) * dT[b]!));
    const step = makeTrace(problem, options, i + 1, sigmaUsed, x, started);
    trace.push(step);
    options.onStep?.(step, steps);
  }
  return { x, method: 'joint', steps, trace, seconds: (performance.now() - started) / 1000 };
}
