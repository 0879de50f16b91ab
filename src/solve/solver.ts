/**
 * What every model-based solver shares: the problem it solves, per-step
 * traces, progress callbacks and cancellation.
 */
import type { PriorField } from './tiled-prior.js';
import type { Shape4 } from '../prior/conv.js';
import type { DataTerm } from './data-terms.js';
import { psnr } from '../image/metrics.js';

export type MethodName = 'gnc' | 'joint' | 'vn';

export interface SolveProblem {
  /** The prior, possibly evaluated tile by tile (TiledPrior). */
  prior: PriorField;
  data: DataTerm;
  /** Layout of x: samples × height × width × channels (the prior's input channels). */
  shape: Shape4;
  /** Clean image in the same layout, for the PSNR trace. */
  reference?: Float32Array;
}

export interface StepTrace {
  /** 0 is the starting point, i ≥ 1 the iterate after step i. */
  step: number;
  /** Smoothing σ used to reach this iterate (σ₀ for step 0); geometric mean over samples. */
  sigma: number;
  /** D(x) + R(x, t_ref) at the prior's smallest trained t (method.md §4), summed over samples. */
  energy?: number;
  psnr?: number;
  /** Seconds since the solver started. */
  elapsed: number;
}

export interface SolveCallbacks {
  signal?: AbortSignal;
  /** Called after every step with its trace; `total` is the number of steps. */
  onStep?: (trace: StepTrace, total: number) => void;
  /** Evaluate the energy at t_ref for the trace (one extra forward pass per step). */
  traceEnergy?: boolean;
}

export interface SolveResult {
  x: Float32Array;
  method: MethodName;
  steps: number;
  trace: StepTrace[];
  seconds: number;
}

export function referenceEnergy(problem: SolveProblem, x: Float32Array): number {
  const tRef = problem.prior.tRange.tMin;
  const ts = new Array<number>(problem.shape.n).fill(tRef);
  const r = problem.prior.evaluate(x, problem.shape, ts, { energy: true }).energy!;
  return problem.data.energy(x) + r.reduce((a, b) => a + b, 0);
}

export function makeTrace(
  problem: SolveProblem,
  options: SolveCallbacks,
  step: number,
  sigma: number,
  x: Float32Array,
  started: number,
): StepTrace {
  const trace: StepTrace = { step, sigma, elapsed: (performance.now() - started) / 1000 };
  if (options.traceEnergy !== false) trace.energy = referenceEnergy(problem, x);
  // The opponent colour transform is orthonormal, so PSNR here equals PSNR in RGB.
  if (problem.reference) trace.psnr = psnr(x, problem.reference);
  return trace;
}

export function geometricMean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.log(values[i]!);
  return Math.exp(s / values.length);
}
