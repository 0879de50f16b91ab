/**
 * Score matching and denoising score matching of a univariate two-layer
 * network as a convex program (method.md §6; convex paper Thms 3.1, 4.1 and
 * App. A.3, B.2), solved exactly with l1-qp.ts, and the network rebuilt from
 * the solution.
 *
 * Why a dictionary at the data points is exact. Rescaling a unit
 * (a, b, w) → (ka, kb, w/k) leaves s unchanged, and min_k (β/2)(k²a² + w²/k²)
 * = β|a||w|, so with |a_j| = 1 the weight decay is β Σ|w_j|: each unit is a
 * ramp w(x − t)_+, w(t − x)_+ or w|x − t| with kink t and cost β|w|. In the
 * dual (Pilanci & Ergen) each possible unit gives one constraint, affine in t
 * between consecutive samples, so only kinks at the samples matter — but as
 * limits from either side: a kink just left or just right of x_k gives the
 * same values at the samples and a different derivative at x_k (the s' term
 * of SM). Keeping both makes the program's value the infimum over all
 * networks, of any width, with kinks anywhere. This is our answer to
 * method.md's "fix one convention": one convention alone (say derivative 0
 * at the kink) restricts the problem, and Adam could then undercut it.
 *
 * The two sides need not be two columns. Their derivative sums differ by δ_j
 * (1 for a ramp, 2 for |·|: the sample at the knot), and minimising over the
 * split z = z₋ + z₊ of (q₋z₋ + q₊z₊ + β|z₋| + β|z₊|) gives m_j z + (β − δ_j/2n)|z|
 * with m_j the mean of the two linear terms: one column with a mid linear term
 * and a smaller penalty; the sign of z picks the side (the one with the lower
 * linear term for z > 0). This removes exactly duplicated columns.
 *
 * Normalisation: the loss is averaged over the n samples, so the program is
 *   SM:   min (1/n)[½‖Az + c·1 + k·x‖² + dᵀz + n·k] + β‖z‖₁  (sides as above)
 *   DSM:  min (1/n)½‖Az + c·1 + k·x − y‖² + β‖z‖₁
 * (k only with a skip connection; c and k unpenalised). SM needs β > 1/n:
 * the ramp kinking just left of the largest sample is 0 on the data yet has
 * derivative 1 there, so it lowers the loss by |w|/n at a cost β|w| (the
 * convex paper's App. A.4, in this normalisation); below 1/n the loss is
 * unbounded below. That is checked up front. It is necessary, not always
 * sufficient (|·| with a skip connection needs β ≥ 2/n, see the tests); the
 * solver reports every unbounded program, since its dual is then infeasible.
 * For DSM there is no derivative term and every β > 0 is fine.
 *
 * The solution is exact (an active-set method on the dual, l1-qp.ts) rather
 * than FISTA or coordinate descent, which method.md suggests: both converge
 * linearly here, far too slowly near β = 1/n for a KKT residual below 1e-8.
 */
import { GncError, checkNumber, invalidArgument } from '../util/errors.js';
import { solveL1Qp, smoothGradient, type L1Qp } from './l1-qp.js';
import type { Activation, ScoreTrainingSet, TwoLayerScoreNet } from './two-layer.js';
import { solveSemidefinite } from './dense.js';

export interface ConvexScoreOptions {
  activation: Activation;
  beta: number;
  /** Add the unpenalised skip connection k·x (convex paper App. A.3.3). */
  skip?: boolean;
}

export interface ConvexScoreProgram {
  data: ScoreTrainingSet;
  activation: Activation;
  skip: boolean;
  beta: number;
  columns: Column[];
  qp: L1Qp;
}

/** One dictionary column: a ramp feature, or the unpenalised output bias / skip. */
export interface Column {
  kind: 'up' | 'down' | 'abs' | 'bias' | 'skip';
  /** The kink t (a data point) for ramps. */
  knot: number;
  /**
   * SM only: Σ_i feature'(x_i) with the kink just left (index 0) and just
   * right (index 1) of the knot; they differ by the sample at the knot.
   */
  derivativeSums: [number, number];
}

/** Feature value (x − t)_+, (t − x)_+ or |x − t| at x (which side the kink sits on does not change values). */
export function featureValue(col: Column, x: number): number {
  switch (col.kind) {
    case 'up':
      return Math.max(0, x - col.knot);
    case 'down':
      return Math.max(0, col.knot - x);
    case 'abs':
      return Math.abs(x - col.knot);
    case 'bias':
      return 1;
    case 'skip':
      return x;
  }
}

/** Feature derivative at x with the kink at knot + side·0⁺ (side −1 or +1), so that x = knot is decided by the side. */
export function featureDerivative(col: Column, x: number, side: -1 | 1): number {
  // "x > t" for t = knot − 0⁺ is "x ≥ knot"; for t = knot + 0⁺ it is "x > knot".
  const above = side < 0 ? x >= col.knot : x > col.knot;
  const below = side > 0 ? x <= col.knot : x < col.knot;
  switch (col.kind) {
    case 'up':
      return above ? 1 : 0;
    case 'down':
      return below ? -1 : 0;
    case 'abs':
      return above ? 1 : -1;
    case 'bias':
      return 0;
    case 'skip':
      return 1;
  }
}

function dictionary(data: ScoreTrainingSet, activation: Activation, skip: boolean): Column[] {
  const cols: Column[] = [{ kind: 'bias', knot: 0, derivativeSums: [0, 0] }];
  if (skip) cols.push({ kind: 'skip', knot: 0, derivativeSums: [0, 0] });
  const kinds: Array<Column['kind']> = activation === 'relu' ? ['up', 'down'] : ['abs'];
  for (const knot of data.x) for (const kind of kinds) cols.push({ kind, knot, derivativeSums: [0, 0] });
  if (data.kind === 'sm') {
    for (const col of cols) {
      let left = 0;
      let right = 0;
      for (const x of data.x) {
        left += featureDerivative(col, x, -1);
        right += featureDerivative(col, x, 1);
      }
      col.derivativeSums = [left, right];
    }
  }
  return cols;
}

function checkData(data: ScoreTrainingSet): void {
  if (data.x.length < 2) throw invalidArgument('the training data', 'at least 2 samples', data.x.length);
  for (const v of data.x) checkNumber('a training sample', v, -1e9, 1e9);
  if (data.kind === 'dsm' && data.y.length !== data.x.length) throw invalidArgument('the DSM labels', `${data.x.length} labels`, data.y.length);
}

/** SM needs β above this (see the file comment). */
export function smallestScoreMatchingBeta(n: number): number {
  return 1 / n;
}

/** Builds the convex program for SM or DSM training of the two-layer network. */
export function buildConvexScoreProgram(data: ScoreTrainingSet, options: ConvexScoreOptions): ConvexScoreProgram {
  checkData(data);
  const beta = options.beta;
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta <= 0) throw invalidArgument('beta', 'a weight decay β > 0', beta);
  const n = data.x.length;
  if (data.kind === 'sm' && beta <= smallestScoreMatchingBeta(n)) {
    throw new GncError(
      'invalid-argument',
      `Score matching with ${n} samples needs a weight decay β > 1/n = ${(1 / n).toPrecision(4)}, or its loss is unbounded below (method.md §6); received β = ${beta}`,
    );
  }
  const skip = options.skip ?? false;
  const columns = dictionary(data, options.activation, skip);
  const p = columns.length;
  // B = A/√n with A[i][j] = feature_j(x_i), so ½‖Bz‖² = (1/n)·½‖Az‖²; q = (d − Aᵀy)/n, d the (mid) derivative sums for SM.
  const values = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) values[i * p + j] = featureValue(columns[j]!, data.x[i]!);
  const design = values.map((v) => v / Math.sqrt(n));
  const linear = new Float64Array(p);
  const penalty = new Float64Array(p);
  let constant = 0;
  for (let j = 0; j < p; j++) {
    const col = columns[j]!;
    const free = col.kind === 'bias' || col.kind === 'skip';
    if (data.kind === 'sm') {
      const [left, right] = col.derivativeSums;
      linear[j] = (left + right) / (2 * n);
      penalty[j] = free ? 0 : beta - Math.abs(left - right) / (2 * n);
    } else {
      let s = 0;
      for (let i = 0; i < n; i++) s -= values[i * p + j]! * data.y[i]!;
      linear[j] = s / n;
      penalty[j] = free ? 0 : beta;
    }
  }
  if (data.kind === 'dsm') for (const y of data.y) constant += (0.5 * y * y) / n;
  return { data, activation: options.activation, skip, beta, columns, qp: { n, p, design, linear, penalty, constant } };
}

/** True for the unpenalised output bias and skip columns. */
function isFree(col: Column): boolean {
  return col.kind === 'bias' || col.kind === 'skip';
}

/**
 * The weight decay at and above which no hidden unit is used (s is then the
 * best bias-plus-skip score): at z = 0, with the free columns at their own
 * optimum, unit j stays off while |g_j| ≤ β − δ_j/2n, so β₀ = max_j |g_j| + δ_j/2n.
 * For ReLU SM without skip this is 1 (the ramp below every sample: d = n or n − 1).
 */
export function zeroThreshold(program: ConvexScoreProgram): number {
  const { qp, columns } = program;
  const n = program.data.x.length;
  const free: number[] = [];
  columns.forEach((c, j) => isFree(c) && free.push(j));
  const k = free.length;
  const m = new Float64Array(k * k);
  const r = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let i = 0; i < qp.n; i++) s += qp.design[i * qp.p + free[a]!]! * qp.design[i * qp.p + free[b]!]!;
      m[a * k + b] = s;
    }
    r[a] = -qp.linear[free[a]!]!;
  }
  const solved = solveSemidefinite(m, r, k);
  const u = solved.kind === 'solution' ? solved.y : new Float64Array(k);
  const z = new Float64Array(qp.p);
  free.forEach((j, a) => (z[j] = u[a]!));
  const g = smoothGradient(qp, z);
  let worst = 0;
  columns.forEach((c, j) => {
    if (!isFree(c)) worst = Math.max(worst, Math.abs(g[j]!) + Math.abs(c.derivativeSums[0] - c.derivativeSums[1]) / (2 * n));
  });
  return worst;
}

export interface ConvexScoreSolution {
  program: ConvexScoreProgram;
  z: Float64Array;
  /** The optimal training loss (weight decay included). */
  objective: number;
  kktResidual: number;
  /** The rebuilt network: one hidden unit per non-zero ramp coefficient. */
  net: TwoLayerScoreNet;
  /** The score the solution predicts, evaluated from the dictionary (exact at the kinks' chosen sides). */
  score: (x: number) => number;
}

/**
 * Shift of each rebuilt kink towards its side, relative to the data's range:
 * small enough that the network's loss equals the program's value to ~1e-10,
 * large enough that act'(·) at the knot's own sample takes the side's value.
 */
const KINK_SHIFT = 1e-12;

export function solveConvexScore(program: ConvexScoreProgram): ConvexScoreSolution {
  const sol = solveL1Qp(program.qp);
  const { columns } = program;
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of program.data.x) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const shift = KINK_SHIFT * Math.max(hi - lo, 1e-300);
  const a: number[] = [];
  const b: number[] = [];
  const w: number[] = [];
  let bias = 0;
  let skip = 0;
  columns.forEach((col, j) => {
    const z = sol.z[j]!;
    if (col.kind === 'bias') bias = z;
    else if (col.kind === 'skip') skip = z;
    else if (z !== 0) {
      // Balanced weights |a| = |w| = √|z| make (β/2)(a² + w²) = β|z|, the program's penalty.
      const r = Math.sqrt(Math.abs(z));
      // The side with the lower linear term for this sign of z (file comment): for z > 0 the smaller derivative sum.
      const [left, right] = col.derivativeSums;
      const side = left === right ? 0 : (z > 0) === left < right ? -1 : 1;
      const t = col.knot + side * shift;
      const sign = col.kind === 'down' ? -1 : 1;
      a.push(sign * r);
      b.push(-sign * r * t);
      w.push(Math.sign(z) * r);
    }
  });
  const net: TwoLayerScoreNet = {
    activation: program.activation,
    a: Float64Array.from(a),
    b: Float64Array.from(b),
    w: Float64Array.from(w),
    bias,
    skip,
    hasSkip: program.skip,
  };
  const used = columns.map((col, j) => ({ col, z: sol.z[j]! })).filter((u) => u.z !== 0);
  const score = (x: number): number => {
    let s = 0;
    for (const u of used) s += u.z * featureValue(u.col, x);
    return s;
  };
  return { program, z: sol.z, objective: sol.objective, kktResidual: sol.kktResidual, net, score };
}
