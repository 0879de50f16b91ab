/**
 * The prior's score ∇ₓR(x, t) as a differentiable tfjs function of x, of the
 * scalar t = log σ and of the prior's parameters, for learning VN schedules
 * (method.md §4.3) by back-propagating through unrolled solver steps.
 *
 * It is the training loss's recursion (train/loss.ts) with one difference:
 * t is a tensor, so each spline op also returns ∂/∂t of its output, which is
 * the same spline one t-order higher.
 */
import { tf } from '../engine/tf.js';
import type { FoEArchitecture } from '../prior/foe.js';
import { splineDerivative, splineWeightGradient, type TOrder, type ZOrder } from '../prior/spline-adjoint.js';
import type { SplineGrid } from '../prior/spline2d.js';
import { convK, convKT } from '../train/tf-ops.js';

type T4 = tf.Tensor4D;

/** ∂ᵐ_z ∂ᵏ_t f_c(z, t) with gradients in z, the weights and the scalar t (k ≤ 1). */
export function splineOpT(z: T4, weights: tf.Tensor, grid: SplineGrid, t: tf.Scalar, m: 0 | 1 | 2, k: 0 | 1): T4 {
  const channels = z.shape[3];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [zIn, wIn, tIn] = args as [T4, tf.Tensor, tf.Scalar];
    const zData = zIn.dataSync() as Float32Array;
    const wData = wIn.dataSync() as Float32Array;
    const ts = new Array<number>(z.shape[0]).fill(tIn.dataSync()[0]!);
    const value = tf.tensor4d(splineDerivative(grid, wData, channels, zData, ts, m, k), z.shape);
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        const up = dy.dataSync() as Float32Array;
        const dz = splineDerivative(grid, wData, channels, zData, ts, (m + 1) as ZOrder, k);
        const dt = splineDerivative(grid, wData, channels, zData, ts, m, (k + 1) as TOrder);
        let dtSum = 0;
        for (let i = 0; i < dz.length; i++) {
          dz[i]! *= up[i]!;
          dtSum += dt[i]! * up[i]!;
        }
        const dw = splineWeightGradient(grid, channels, zData, ts, m, k, up);
        return [tf.tensor4d(dz, z.shape), tf.tensor(dw, wIn.shape), tf.scalar(dtSum)];
      },
    };
  });
  return op(z, weights, t) as T4;
}

/** The prior's parameters as tensors (variables when they are fine-tuned). */
export interface PriorTensors {
  arch: FoEArchitecture;
  kernels: tf.Tensor[];
  splines: tf.Tensor[];
}

/** ∇ₓR(x, t): g_L = ∂zφ_L, g_l = ∂zψ_l ⊙ K_{l+1}ᵀ g_{l+1}, ∇ₓR = K_1ᵀ g_1. */
export function scoreGradient(prior: PriorTensors, x: T4, t: tf.Scalar): T4 {
  const { arch } = prior;
  const L = arch.layers.length;
  const kernel = (l: number) => prior.kernels[l] as T4;
  const spline = (l: number, z: T4, m: 0 | 1) => splineOpT(z, prior.splines[l]!, arch.layers[l]!.spline, t, m, 0);
  const zs: T4[] = [];
  let a: T4 = x;
  for (let l = 0; l < L; l++) {
    const z = convK(a, kernel(l));
    zs.push(z);
    if (l < L - 1) a = spline(l, z, 0);
  }
  let g = spline(L - 1, zs[L - 1]!, 1);
  for (let l = L - 1; l >= 1; l--) g = tf.mul(spline(l - 1, zs[l - 1]!, 1), convKT(g, kernel(l))) as T4;
  return convKT(g, kernel(0));
}
