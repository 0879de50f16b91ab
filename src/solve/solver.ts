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
  /** PSNR of an iterate, for the trace, where the clean image is not held in this layout (takes the place of reference). */
  score?: (x: Float32Array) => number;
  /**
   * Step one sample (colour plane) at a time: its gradient is evaluated and
   * the sample updated in place before the next, so a step holds one
   * sample's ∇ₓR instead of the whole batch's (96 MB instead of 288 MB on a
   * 24 MP colour photo). The iterates are the same, as samples do not
   * interact. Leave it off for a prior that spreads a batch's samples over
   * threads (the tile pool).
   */
  samplewise?: boolean;
}

/**
 * One proximal gradient step for every sample b:
 * x_b ← prox_{τ_b D}(x_b − τ_b ∇ₓR(x_b, t_b)). Returns the new iterate:
 * x itself, updated in place, when the problem steps sample by sample; else
 * the prior's gradient buffer, overwritten (x then stays in the prior's
 * buffer, shared memory for a tile pool).
 */
export function proximalGradientStep(problem: SolveProblem, x: Float32Array, t: readonly number[], taus: readonly number[]): Float32Array {
  const { n, h, w, c } = problem.shape;
  const per = h * w * c;
  if (problem.samplewise && n > 1) {
    for (let b = 0; b < n; b++) {
      const start = b * per;
      const plane = x.subarray(start, start + per);
      const g = problem.prior.evaluate(plane, { n: 1, h, w, c }, [t[b]!], { gradX: true }).gradX!;
      const tau = taus[b]!;
      for (let k = 0; k < per; k++) plane[k] = plane[k]! - tau * g[k]!;
      problem.data.prox(x, tau, x, start, start + per);
    }
    return x;
  }
  const g = problem.prior.evaluate(x, problem.shape, t, { gradX: true }).gradX!;
  for (let b = 0; b < n; b++) {
    const tau = taus[b]!;
    for (let k = b * per; k < (b + 1) * per; k++) g[k] = x[k]! - tau * g[k]!;
  }
  // prox in place: one full-size array less per step on a large photo.
  for (let b = 0; b < n; b++) problem.data.prox(g, taus[b]!, g, b * per, (b + 1) * per);
  return g;
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
  if (problem.score) trace.psnr = problem.score(x);
  else if (problem.reference) trace.psnr = psnr(x, problem.reference);
  return trace;
}

export function geometricMean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.log(values[i]!);
  return Math.exp(s / values.length);
}
