/**
 * Differentiable building blocks for training, as tfjs custom-gradient ops
 * that work on every backend. tfjs cannot give the filter gradient of conv2d
 * on wasm (no Conv2DBackpropFilter kernel) nor its second-order form on cpu
 * (design.md), so each op here brings its own gradients:
 *
 *  - convK / convKT: K = conv ∘ pad_symmetric and its adjoint, with input and
 *    filter gradients. The filter gradient Σ_{b,i,j} x[b,i+di,j+dj,c]·dy[b,i,j,o]
 *    is one forward convolution of x with batch and channels swapped against dy
 *    as the kernel; measured on wasm (batch 16 of 64² patches) it costs 1.6–1.9×
 *    a forward convolution, where im2col + matMul cost 6–23×.
 *  - splineOp: ∂ᵐ_z ∂ᵏ_t f(z, t) evaluated on the CPU with local support, with
 *    the z-gradient from order m + 1 and the exact weight adjoint.
 *
 * Only one reverse pass runs through these ops: the loss writes the score
 * ∇ₓR and the t-derivatives out as forward computations (method.md §3).
 */
import { tf } from '../engine/tf.js';
import { padSymmetric, padSymmetricAdjoint } from '../prior/conv.js';
import { splineDerivative, splineWeightGradient, type TOrder, type ZOrder } from '../prior/spline-adjoint.js';
import type { SplineGrid } from '../prior/spline2d.js';
import { GncError } from '../util/errors.js';

type T4 = tf.Tensor4D;

function halfWidth(W: T4): number {
  return (W.shape[0] - 1) / 2;
}

/** K x = conv_valid(pad_sym(x), W) without gradients. */
export function applyK(x: T4, W: T4): T4 {
  return tf.tidy(() => tf.conv2d(padSymmetric(x, halfWidth(W)), W, 1, 'valid'));
}

/** Kᵀ g = pad_symᵀ(conv_valid(pad_zero(g, k − 1), flip(W)ᵀ)) without gradients. */
export function applyKT(g: T4, W: T4): T4 {
  return tf.tidy(() => {
    const p = halfWidth(W);
    const full = 2 * p;
    const flipped = tf.transpose(tf.reverse(W, [0, 1]), [0, 1, 3, 2]) as T4;
    const padded = tf.pad(g, [[0, 0], [full, full], [full, full], [0, 0]]);
    return padSymmetricAdjoint(tf.conv2d(padded, flipped, 1, 'valid'), p);
  });
}

/** dW[di, dj, c, o] = Σ_{b,i,j} xp[b, i+di, j+dj, c] · dy[b, i, j, o] for a valid convolution of xp. */
export function filterGradient(xPadded: T4, dy: T4): T4 {
  return tf.tidy(() => {
    const xT = tf.transpose(xPadded, [3, 1, 2, 0]) as T4; // [cin, Hp, Wp, B]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as T4; // [H, W, B, cout]
    return tf.transpose(tf.conv2d(xT, dyT, 1, 'valid'), [1, 2, 0, 3]) as T4; // [k, k, cin, cout]
  });
}

/** K x with gradients in x and W. */
export function convK(x: T4, W: T4): T4 {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, wi, save] = args as [T4, T4, tf.GradSaveFunc];
    save([xi, wi]);
    return {
      value: applyK(xi, wi),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [T4, T4];
        return [applyKT(dy as T4, ws), tf.tidy(() => filterGradient(padSymmetric(xs, halfWidth(ws)), dy as T4))];
      },
    };
  });
  return op(x, W) as T4;
}

/** Kᵀ g with gradients in g and W (⟨Kᵀg, d⟩ = ⟨g, K d⟩, so dW = filterGradient(pad(d), g)). */
export function convKT(g: T4, W: T4): T4 {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [gi, wi, save] = args as [T4, T4, tf.GradSaveFunc];
    save([gi, wi]);
    return {
      value: applyKT(gi, wi),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [gs, ws] = saved as [T4, T4];
        return [applyK(dy as T4, ws), tf.tidy(() => filterGradient(padSymmetric(dy as T4, halfWidth(ws)), gs))];
      },
    };
  });
  return op(g, W) as T4;
}

/**
 * ∂ᵐ_z ∂ᵏ_t f_c(z, t_b) for a feature tensor z [B, H, W, C] and weights
 * [C, nz, nt], one t per sample; gradients in z (needs order m + 1 ≤ 3) and w.
 */
export function splineOp(z: T4, weights: tf.Tensor, grid: SplineGrid, ts: readonly number[], m: ZOrder, k: TOrder): T4 {
  const channels = z.shape[3];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [zIn, wIn] = args as [T4, tf.Tensor];
    const zData = zIn.dataSync() as Float32Array;
    const wData = wIn.dataSync() as Float32Array;
    const value = tf.tensor4d(splineDerivative(grid, wData, channels, zData, ts, m, k), z.shape);
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        if (m === 3) throw new GncError('invalid-argument', 'splineOp: no gradient through a third z-derivative (needs order 4)');
        const up = dy.dataSync() as Float32Array;
        const next = splineDerivative(grid, wData, channels, zData, ts, (m + 1) as ZOrder, k);
        for (let i = 0; i < next.length; i++) next[i]! *= up[i]!;
        const dw = splineWeightGradient(grid, channels, zData, ts, m, k, up);
        return [tf.tensor4d(next, z.shape), tf.tensor(dw, wIn.shape)];
      },
    };
  });
  return op(z, weights) as T4;
}
