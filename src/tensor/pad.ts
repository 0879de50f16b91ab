/**
 * Symmetric (edge-repeating) padding and its exact adjoint, in pure
 * tfjs-core so the engine's tfjs prior (prior/conv.ts) and the Node-free
 * tensor prior that runs in a WebGPU worker (tensor/foe-tensor.ts) share one
 * implementation.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Symmetric (edge-repeating) padding by p on both spatial axes, as tf.mirrorPad(…, 'symmetric'). */
export function padSymmetric(x: tf.Tensor4D, p: number): tf.Tensor4D {
  if (p === 0) return x.clone();
  return tf.mirrorPad(x, [[0, 0], [p, p], [p, p], [0, 0]], 'symmetric');
}

/** Adjoint of padSymmetric: folds the mirrored border back onto the image. */
export function padSymmetricAdjoint(y: tf.Tensor4D, p: number): tf.Tensor4D {
  if (p === 0) return y.clone();
  return tf.tidy(() => foldAxis(foldAxis(y, p, 1), p, 2));
}

function foldAxis(y: tf.Tensor4D, p: number, axis: 1 | 2): tf.Tensor4D {
  const size = y.shape[axis] - 2 * p;
  const begin = (at: number): [number, number, number, number] => (axis === 1 ? [0, at, 0, 0] : [0, 0, at, 0]);
  const extent = (len: number): [number, number, number, number] => (axis === 1 ? [-1, len, -1, -1] : [-1, -1, len, -1]);
  const padding = (before: number, after: number): Array<[number, number]> =>
    axis === 1 ? [[0, 0], [before, after], [0, 0], [0, 0]] : [[0, 0], [0, 0], [before, after], [0, 0]];
  const centre = tf.slice(y, begin(p), extent(size));
  const head = tf.reverse(tf.slice(y, begin(0), extent(p)), axis);
  const tail = tf.reverse(tf.slice(y, begin(size + p), extent(p)), axis);
  return tf.addN([centre, tf.pad(head, padding(0, size - p)), tf.pad(tail, padding(size - p, 0))]) as tf.Tensor4D;
}
