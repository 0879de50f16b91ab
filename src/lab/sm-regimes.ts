/**
 * The large-weight-decay regime of ReLU score matching without skip
 * connection (convex paper §3.3 and App. A.5; method.md §6), in closed form.
 *
 * Candidate optimum: one ramp below every sample, s(x) = c + w (x − x₍₁₎)_+,
 * i.e. linear on the data. Its SM loss (1/n)Σ ½ s(x_i)² + s'(x_i) + β|w|,
 * with the kink just left of x₍₁₎ so that s' = w at every sample, is
 * minimised by w = −(1 − β)/v and c with s(x̄) = 0 (v the 1/n sample
 * variance):
 *     s(x) = −(1 − β)(x − x̄)/v  on [x₍₁₎, ∞),
 * the score of N(x̄, v/(1 − β)). So in our normalisation (averaged loss,
 * β₀ = 1) the weight decay shrinks the slope by (1 − β): method.md's "the
 * Gaussian score −(x − x̄)/s²" holds exactly only with the skip connection
 * (App. A.6.2). Without it, it is approached as β_low falls with n (for
 * N(0, 1) samples we measured β_low ≈ 0.66, 0.50, 0.17 at n = 20, 50, 200).
 *
 * The candidate is optimal iff the KKT conditions hold for every other
 * dictionary column. Its gradient g_j(β) is affine in β (z is), and the
 * penalty is β − δ_j/2n, so each column gives linear inequalities in β;
 * together they give the interval [β_low, β₀) — the paper's lost threshold.
 */
import { buildConvexScoreProgram } from './convex-sm.js';
import { meanAndVariance } from './dense.js';
import { smoothGradient } from './l1-qp.js';

export interface LinearRegime {
  /** Smallest β at which the one-ramp (linear on the data) score is optimal. */
  betaLow: number;
  /** The all-zero threshold β₀ = 1 (the ramp's coefficient −(1 − β)/v vanishes there). */
  betaHigh: number;
  /** The optimal score in the regime, for a given β. */
  score: (beta: number, x: number) => number;
}

export function reluLinearRegime(samples: Float64Array): LinearRegime {
  const { mean, variance } = meanAndVariance(samples);
  let lo = Infinity;
  for (const x of samples) lo = Math.min(lo, x);
  // Any admissible β (> 1/n; β₀ = 1 always is) builds the same design and linear terms; the penalties are β − δ_j/2n.
  const reference = 1;
  const program = buildConvexScoreProgram({ kind: 'sm', x: samples }, { activation: 'relu', beta: reference });
  const { qp, columns } = program;
  const ramp = columns.findIndex((c) => c.kind === 'up' && c.knot === lo);
  const bias = columns.findIndex((c) => c.kind === 'bias');
  const candidate = (beta: number): Float64Array => {
    const z = new Float64Array(qp.p);
    z[ramp] = -(1 - beta) / variance;
    z[bias] = (1 - beta) * (mean - lo) / variance; // s(x̄) = 0
    return z;
  };
  const g0 = smoothGradient(qp, candidate(0));
  const g1 = smoothGradient(qp, candidate(1)).map((v, j) => v - g0[j]!);
  let betaLow = 0;
  let betaHigh = 1;
  const constrain = (a: number, b: number): void => {
    // a + b β ≤ 0
    if (Math.abs(b) < 1e-300) return;
    if (b < 0) betaLow = Math.max(betaLow, -a / b);
    else betaHigh = Math.min(betaHigh, -a / b);
  };
  columns.forEach((col, j) => {
    if (j === ramp || col.kind === 'bias') return;
    const c = reference - qp.penalty[j]!; // δ_j / 2n
    // |g0 + g1 β| ≤ β − c  ⇔  g0 + c + (g1 − 1)β ≤ 0  and  −g0 + c − (g1 + 1)β ≤ 0
    constrain(g0[j]! + c, g1[j]! - 1);
    constrain(-g0[j]! + c, -g1[j]! - 1);
  });
  return {
    betaLow,
    betaHigh,
    score: (beta, x) => (x >= lo ? -(1 - beta) * (x - mean) / variance : -(1 - beta) * (lo - mean) / variance),
  };
}
