/**
 * The joint score-matching loss of method.md §3 (gnc-priors eqs. 4–7):
 *
 *   L(θ) = E[ ½‖σ ∇_y R(y, t) − n‖² + α (½ (∂_t R(y, t))² − ∂²_t R(y, t)) ] / N
 *
 * with y = x + σ n, σ = e^t. ∇_y R is written out as a forward computation
 * (g_L = ∂zφ_L, g_l = ∂zψ_l ⊙ K_{l+1}ᵀ g_{l+1}, ∇ = K_1ᵀ g_1) and ∂_t R, ∂²_t R
 * by forward propagation of z' and z'' through the layers, so one reverse
 * pass gives the gradient in every filter and spline weight.
 */
import { tf } from '../engine/tf.js';
import type { Shape4 } from '../prior/conv.js';
import type { FoEArchitecture } from '../prior/foe.js';
import { GncError } from '../util/errors.js';
import { convK, convKT, splineOp } from './tf-ops.js';

type T4 = tf.Tensor4D;

/** An FoE prior whose parameters are tfjs variables. */
export interface TrainableFoE {
  arch: FoEArchitecture;
  kernels: tf.Variable[];
  splines: tf.Variable[];
}

export interface ScoreMatchingBatch {
  /** Clean patches x, NHWC. */
  clean: Float32Array;
  /** Standard normal noise n, same layout. */
  noise: Float32Array;
  /** One t = log σ per patch. */
  ts: number[];
  shape: Shape4;
  /**
   * The range t is drawn from (uniformly). When given, the t-term is tapered
   * to vanish at both ends (see scoreMatchingLoss); without it the implicit
   * score-matching term drops a boundary term and rewards steep ∂ₜR at the
   * ends of the range (method.md §3, caveat), which made training diverge.
   */
  tRange?: { tMin: number; tMax: number };
}

/**
 * Taper w(t) = 4u(1 − u), u = (t − tMin)/(tMax − tMin), and its derivative.
 * Weighted Fisher divergence ½E[w (s − ∂ₜ log p)²] integrates by parts to
 * E[w(½s² + ∂ₜs) + w′s] + const with no boundary term, since w vanishes at
 * the ends; with s = −∂ₜR that is E[w(½(∂ₜR)² − ∂²ₜR) − w′∂ₜR].
 */
export function tTaper(t: number, tMin: number, tMax: number): { w: number; dw: number } {
  const span = tMax - tMin;
  const u = (t - tMin) / span;
  if (u <= 0 || u >= 1) return { w: 0, dw: 0 };
  return { w: 4 * u * (1 - u), dw: (4 * (1 - 2 * u)) / span };
}

export interface LossTerms {
  total: tf.Scalar;
  /** The denoising score-matching term, per pixel value. */
  dsm: tf.Scalar;
  /** The implicit score-matching term along t, per pixel value (before α). */
  tTerm: tf.Scalar;
}

/** Per-sample sums of a [B, H, W, C] tensor → [B]. */
function sumPerSample(x: tf.Tensor): tf.Tensor1D {
  return tf.sum(x, [1, 2, 3]) as tf.Tensor1D;
}

export function scoreMatchingLoss(model: TrainableFoE, batch: ScoreMatchingBatch, alpha: number): LossTerms {
  const { shape, ts } = batch;
  const { arch } = model;
  const L = arch.layers.length;
  if (shape.c !== arch.inChannels) throw new GncError('invalid-argument', `loss: patches have ${shape.c} channels, the prior expects ${arch.inChannels}`);
  if (ts.length !== shape.n) throw new GncError('invalid-argument', `loss: ${ts.length} noise levels for ${shape.n} patches`);
  const sigmas = tf.tensor1d(ts.map(Math.exp));
  const sigma4 = sigmas.reshape([shape.n, 1, 1, 1]);
  const x = tf.tensor4d(batch.clean, [shape.n, shape.h, shape.w, shape.c]);
  const n = tf.tensor4d(batch.noise, [shape.n, shape.h, shape.w, shape.c]);
  const y = tf.add(x, tf.mul(sigma4, n)) as T4;
  const spline = (l: number, z: T4, m: 0 | 1 | 2, k: 0 | 1 | 2) => splineOp(z, model.splines[l]!, arch.layers[l]!.spline, ts, m, k);

  // Forward through the layers.
  const zs: T4[] = [];
  let a: T4 = y;
  for (let l = 0; l < L; l++) {
    const z = convK(a, model.kernels[l] as unknown as T4);
    zs.push(z);
    if (l < L - 1) a = spline(l, z, 0, 0);
  }

  // Score: ∇_y R by the explicit reverse recursion.
  let g = spline(L - 1, zs[L - 1]!, 1, 0);
  for (let l = L - 1; l >= 1; l--) g = tf.mul(spline(l - 1, zs[l - 1]!, 1, 0), convKT(g, model.kernels[l] as unknown as T4)) as T4;
  const score = convKT(g, model.kernels[0] as unknown as T4);
  const residual = tf.sub(tf.mul(sigma4, score), n);
  const dsmSum = tf.mul(0.5, tf.sum(tf.square(residual)));

  // ∂_t R and ∂²_t R by forward propagation of z' and z''.
  let dR: tf.Tensor1D;
  let d2R: tf.Tensor1D;
  if (L === 1) {
    dR = sumPerSample(spline(0, zs[0]!, 0, 1));
    d2R = sumPerSample(spline(0, zs[0]!, 0, 2));
  } else {
    let h1: tf.Tensor = spline(0, zs[0]!, 0, 1); // h'_1 = ∂tψ_1 (z'_1 = 0)
    let h2: tf.Tensor = spline(0, zs[0]!, 0, 2); // h''_1 = ∂²tψ_1
    let z1!: T4;
    let z2!: T4;
    for (let l = 1; l < L; l++) {
      const K = model.kernels[l] as unknown as T4;
      z1 = convK(h1 as T4, K);
      z2 = convK(h2 as T4, K);
      if (l < L - 1) {
        const fz = spline(l, zs[l]!, 1, 0);
        const fzz = spline(l, zs[l]!, 2, 0);
        const fzt = spline(l, zs[l]!, 1, 1);
        h1 = tf.add(tf.mul(fz, z1), spline(l, zs[l]!, 0, 1));
        h2 = tf.addN([tf.mul(fzz, tf.square(z1)), tf.mul(2, tf.mul(fzt, z1)), spline(l, zs[l]!, 0, 2), tf.mul(fz, z2)]);
      }
    }
    const zL = zs[L - 1]!;
    const fz = spline(L - 1, zL, 1, 0);
    dR = sumPerSample(tf.add(tf.mul(fz, z1), spline(L - 1, zL, 0, 1)));
    d2R = sumPerSample(
      tf.addN([tf.mul(spline(L - 1, zL, 2, 0), tf.square(z1)), tf.mul(2, tf.mul(spline(L - 1, zL, 1, 1), z1)), spline(L - 1, zL, 0, 2), tf.mul(fz, z2)]),
    );
  }
  const perSample = tf.sub(tf.mul(0.5, tf.square(dR)), d2R);
  let tSum: tf.Tensor;
  if (batch.tRange) {
    const { tMin, tMax } = batch.tRange;
    const tapers = ts.map((t) => tTaper(t, tMin, tMax));
    const w = tf.tensor1d(tapers.map((x) => x.w));
    const dw = tf.tensor1d(tapers.map((x) => x.dw));
    tSum = tf.sum(tf.sub(tf.mul(w, perSample), tf.mul(dw, dR)));
  } else {
    tSum = tf.sum(perSample);
  }
  const N = shape.n * shape.h * shape.w * shape.c;
  const dsm = tf.div(dsmSum, N) as tf.Scalar;
  const tTerm = tf.div(tSum, N) as tf.Scalar;
  return { total: tf.add(dsm, tf.mul(alpha, tTerm)) as tf.Scalar, dsm, tTerm };
}
