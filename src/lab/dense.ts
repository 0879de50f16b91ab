/**
 * The little dense linear algebra the lab needs (Float64, row-major): a
 * rank-revealing solve for small positive semi-definite systems, which in the
 * ReLU dictionary are singular as a rule (up_k − down_k = x − x_k, so many
 * ramp combinations are linear; method.md §6's non-unique splits), and the
 * sample moments in the normalisation the averaged losses use.
 */

/**
 * The stationary point of Q(y) = ½ yᵀ M y − rᵀ y for a symmetric positive
 * semi-definite k×k M (row-major), by Gaussian elimination with complete
 * pivoting; pivots below `relTol`·max|M_ii| count as zero. If M y = r is
 * consistent, a solution (unknowns of zero pivots set to 0, then one step of
 * iterative refinement). If not, Q is unbounded below along a ray: a d with
 * M d = 0 and rᵀd > 0 (so Q(y + αd) = Q(y) − α rᵀd) is returned instead.
 */
export function solveSemidefinite(
  m: Float64Array,
  r: Float64Array,
  k: number,
  relTol = 1e-12,
): { kind: 'solution'; y: Float64Array } | { kind: 'ray'; d: Float64Array } {
  const f = factorise(m, k, relTol);
  const y = f.solve(r);
  if (y) {
    // One refinement step: solve for the correction from the residual r − M y.
    const res = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      let s = r[i]!;
      for (let j = 0; j < k; j++) s -= m[i * k + j]! * y[j]!;
      res[i] = s;
    }
    const dy = f.solve(res);
    if (dy) for (let i = 0; i < k; i++) y[i]! += dy[i]!;
    return { kind: 'solution', y };
  }
  // Inconsistent: the best null vector of the elimination, oriented downhill.
  let best: Float64Array | null = null;
  let bestScore = 0;
  for (const d of f.nullVectors()) {
    let dot = 0;
    let norm = 0;
    for (let i = 0; i < k; i++) {
      dot += r[i]! * d[i]!;
      norm += d[i]! * d[i]!;
    }
    const score = Math.abs(dot) / Math.sqrt(norm);
    if (score > bestScore) {
      bestScore = score;
      best = dot < 0 ? d.map((v) => -v) : d;
    }
  }
  return { kind: 'ray', d: best ?? new Float64Array(k) };
}

/** LU with complete pivoting, kept so that several right-hand sides and the null space reuse it. */
function factorise(m: Float64Array, k: number, relTol: number) {
  const a = Float64Array.from(m);
  const rowPerm = Array.from({ length: k }, (_, i) => i);
  const col = Array.from({ length: k }, (_, i) => i);
  let scale = 0;
  for (let i = 0; i < k; i++) scale = Math.max(scale, Math.abs(a[i * k + i]!));
  if (scale === 0) scale = 1;
  let rank = 0;
  for (; rank < k; rank++) {
    let best = 0;
    let pi = rank;
    let pj = rank;
    for (let i = rank; i < k; i++) {
      for (let j = rank; j < k; j++) {
        const v = Math.abs(a[i * k + j]!);
        if (v > best) {
          best = v;
          pi = i;
          pj = j;
        }
      }
    }
    if (best <= relTol * scale) break;
    if (pi !== rank) {
      for (let j = 0; j < k; j++) [a[rank * k + j], a[pi * k + j]] = [a[pi * k + j]!, a[rank * k + j]!];
      [rowPerm[rank], rowPerm[pi]] = [rowPerm[pi]!, rowPerm[rank]!];
    }
    if (pj !== rank) {
      for (let i = 0; i < k; i++) [a[i * k + rank], a[i * k + pj]] = [a[i * k + pj]!, a[i * k + rank]!];
      [col[rank], col[pj]] = [col[pj]!, col[rank]!];
    }
    const p = a[rank * k + rank]!;
    for (let i = rank + 1; i < k; i++) {
      const f = a[i * k + rank]! / p;
      a[i * k + rank] = f; // keep the multiplier (L below the diagonal)
      if (f === 0) continue;
      for (let j = rank + 1; j < k; j++) a[i * k + j]! -= f * a[rank * k + j]!;
    }
  }
  const backSubstitute = (b: Float64Array, freeValues: Float64Array): Float64Array => {
    const y = new Float64Array(k);
    for (let i = rank; i < k; i++) y[i] = freeValues[i]!;
    for (let i = rank - 1; i >= 0; i--) {
      let s = b[i]!;
      for (let j = i + 1; j < k; j++) s -= a[i * k + j]! * y[j]!;
      y[i] = s / a[i * k + i]!;
    }
    const z = new Float64Array(k);
    for (let i = 0; i < k; i++) z[col[i]!] = y[i]!;
    return z;
  };
  return {
    solve(r: Float64Array): Float64Array | null {
      const b = Float64Array.from(rowPerm, (i) => r[i]!);
      for (let i = 0; i < rank; i++) for (let j = i + 1; j < k; j++) b[j]! -= a[j * k + i]! * b[i]!;
      let bScale = 0;
      for (let i = 0; i < k; i++) bScale = Math.max(bScale, Math.abs(r[i]!));
      // The eliminated rows below the rank must vanish on the right-hand side too.
      for (let i = rank; i < k; i++) if (Math.abs(b[i]!) > 1e-9 * Math.max(scale, bScale)) return null;
      return backSubstitute(b, new Float64Array(k));
    },
    /** One null vector per zero pivot: that free unknown 1, the other free ones 0. */
    nullVectors(): Float64Array[] {
      const out: Float64Array[] = [];
      for (let f = rank; f < k; f++) {
        const free = new Float64Array(k);
        free[f] = 1;
        out.push(backSubstitute(new Float64Array(k), free));
      }
      return out;
    },
  };
}

/** Mean and (biased, 1/n) variance: the normalisation the averaged losses of method.md §6 produce. */
export function meanAndVariance(xs: ArrayLike<number>): { mean: number; variance: number } {
  const n = xs.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (xs[i]! - mean) ** 2;
  return { mean, variance: v / n };
}
