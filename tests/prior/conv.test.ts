import { describe, expect, it, beforeAll } from 'vitest';
import { tf } from '../../src/engine/tf.js';
import { ConvOperator, padSymmetric, padSymmetricAdjoint } from '../../src/prior/conv.js';
import { randomArray } from '../helpers/random.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

describe.each(TEST_BACKENDS)('convolution operators on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    [1, 7, 5, 1, 3],
    [2, 8, 11, 2, 2],
  ])('symmetric padding satisfies ⟨Pa, b⟩ = ⟨a, Pᵀb⟩ (n=%i h=%i w=%i c=%i p=%i)', (n, h, w, c, p) => {
    const a = randomArray(1, n * h * w * c);
    const b = randomArray(2, n * (h + 2 * p) * (w + 2 * p) * c);
    const Pa = tf.tidy(() => padSymmetric(tf.tensor4d(a, [n, h, w, c]), p).dataSync() as Float32Array);
    const Ptb = tf.tidy(() => padSymmetricAdjoint(tf.tensor4d(b, [n, h + 2 * p, w + 2 * p, c]), p).dataSync() as Float32Array);
    expect(Pa.length).toBe(b.length);
    expect(dot(Pa, b)).toBeCloseTo(dot(a, Ptb), 3);
  });

  it('pads symmetrically (edge pixel repeated, as method.md fixes)', () => {
    const padded = tf.tidy(() => padSymmetric(tf.tensor4d([1, 2, 3, 1, 2, 3, 1, 2, 3], [1, 3, 3, 1]), 2).dataSync());
    expect(Array.from(padded).slice(0, 7)).toEqual([2, 1, 1, 2, 3, 3, 2]);
  });

  it.each([
    [7, 1, 48, 1, 13, 17],
    [3, 6, 5, 2, 9, 10],
    [3, 8, 8, 1, 5, 6],
    [5, 3, 4, 3, 12, 7],
  ])('K = conv∘pad has the adjoint Kᵀ: ⟨Ka, b⟩ = ⟨a, Kᵀb⟩ (k=%i cin=%i cout=%i n=%i %i×%i)', (k, cin, cout, n, h, w) => {
    const op = new ConvOperator(randomArray(3, k * k * cin * cout), k, cin, cout);
    const a = randomArray(4, n * h * w * cin);
    const b = randomArray(5, n * h * w * cout);
    const Ka = op.apply(a, { n, h, w, c: cin });
    const Ktb = op.adjoint(b, { n, h, w, c: cout });
    expect(Ka.length).toBe(b.length);
    expect(Ktb.length).toBe(a.length);
    const lhs = dot(Ka, b);
    const rhs = dot(a, Ktb);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (Math.abs(lhs) + 1));
    op.dispose();
  });

  it('does not leak tensors', () => {
    const op = new ConvOperator(randomArray(3, 9 * 2), 3, 1, 2);
    const before = tf.memory().numTensors;
    op.apply(randomArray(1, 64), { n: 1, h: 8, w: 8, c: 1 });
    op.adjoint(randomArray(1, 128), { n: 1, h: 8, w: 8, c: 2 });
    expect(tf.memory().numTensors).toBe(before);
    op.dispose();
  });

  it('names the mismatch when the weights do not fit the shape', () => {
    expect(() => new ConvOperator(new Float32Array(10), 3, 1, 2)).toThrow(/3×3×1×2 = 18 weights but received 10/);
  });
});
