import { describe, expect, it } from 'vitest';
import {
  AdaBelief,
  adaBeliefStateFromJSON,
  adaBeliefStateToJSON,
  projectZeroMean,
  zeroMeanProjection,
} from '../../src/train/adabelief.js';
import type { AdaBeliefStateJSON } from '../../src/train/adabelief.js';
import { cosineLearningRate } from '../../src/train/lr-schedule.js';
import { GncError } from '../../src/util/errors.js';
import { mulberry, randomArray } from '../helpers/random.js';

/** Symmetric positive definite A = Q diag(d) Qᵀ with Q a product of Givens rotations (not axis-aligned). */
function rotatedSpd(d: number[]): number[][] {
  const n = d.length;
  const Q: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  let angle = 0.3;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      angle += 0.41;
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      for (let r = 0; r < n; r++) {
        const a = Q[r]![i]!;
        const b = Q[r]![j]!;
        Q[r]![i] = c * a - s * b;
        Q[r]![j] = s * a + c * b;
      }
    }
  }
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q[i]![k]! * d[k]! * Q[j]![k]!;
      return s;
    }),
  );
}

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

describe('AdaBelief', () => {
  it('converges on an ill-conditioned (κ = 1e4, rotated) quadratic to its known optimum within 1e-4', () => {
    const A = rotatedSpd([1, 10, 100, 1e3, 1e4]);
    const c = [0.5, -1.25, 2, 0.75, -0.3];
    const n = c.length;
    const x = new Float32Array(n);
    const opt = new AdaBelief([x]);
    const steps = 8000;
    for (let t = 0; t < steps; t++) {
      const g = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += A[i]![j]! * (x[j]! - c[j]!);
        g[i] = s;
      }
      opt.step([g], cosineLearningRate(t, steps, 0.1, 0));
    }
    expect(opt.stepCount).toBe(steps);
    for (let i = 0; i < n; i++) expect(Math.abs(x[i]! - c[i]!)).toBeLessThan(1e-4);
  });

  it('minimises the 2-D Rosenbrock function from (−1.5, 2) to near (1, 1)', () => {
    const p = new Float32Array([-1.5, 2]);
    const opt = new AdaBelief({ xy: p });
    const steps = 10_000;
    for (let t = 0; t < steps; t++) {
      const x = p[0]!;
      const y = p[1]!;
      const g = new Float64Array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]);
      opt.step({ xy: g }, cosineLearningRate(t, steps, 0.02, 0, 100));
    }
    expect(Math.abs(p[0]! - 1)).toBeLessThan(1e-3);
    expect(Math.abs(p[1]! - 1)).toBeLessThan(2e-3);
    const f = (1 - p[0]!) ** 2 + 100 * (p[1]! - p[0]! ** 2) ** 2;
    expect(f).toBeLessThan(1e-8);
  });

  it('matches the first two steps computed by hand on f(x) = x², x₀ = 1, lr = 0.1', () => {
    // Step 1: g = 2, m = 0.1·2 = 0.2, s = 0.001·(2 − 0.2)² + ε = 0.00324,
    //   m̂ = 0.2/0.1 = 2, ŝ = 0.00324/0.001 = 3.24, √ŝ = 1.8, x₁ = 1 − 0.1·2/1.8 = 8/9.
    // Step 2: g = 16/9 = 1.777…, m = 0.18 + 0.1·16/9 = 0.357777…, g − m = 1.42,
    //   s = 0.999·0.00324 + 0.001·1.42² = 0.00525316,
    //   m̂ = 0.357777…/0.19 = 1.8830409, ŝ = 0.00525316/0.001999 = 2.6278939,
    //   √ŝ = 1.6210783, x₂ = 8/9 − 0.1·1.8830409/1.6210783 = 0.7727291.
    const x = new Float32Array([1]);
    const opt = new AdaBelief([x]);
    opt.step([new Float32Array([2 * x[0]!])], 0.1);
    expect(x[0]).toBeCloseTo(8 / 9, 7);
    let st = opt.state();
    expect(st.m[0]![0]).toBeCloseTo(0.2, 15);
    expect(st.s[0]![0]).toBeCloseTo(0.00324, 15);
    opt.step([new Float32Array([2 * x[0]!])], 0.1);
    st = opt.state();
    expect(st.m[0]![0]).toBeCloseTo(0.3577778, 6);
    expect(st.s[0]![0]).toBeCloseTo(0.00525316, 9);
    expect(x[0]).toBeCloseTo(0.7727291, 6);
    expect(opt.stepCount).toBe(2);
  });

  it('bias correction makes the first step lr/β1 ≈ lr, whatever the gradient scale', () => {
    // m̂₁ = g and ŝ₁ = (g − 0.1g)² = (β1 g)², so |Δθ| = lr/β1 (1.11·lr for β1 = 0.9);
    // without bias correction it would be lr·0.1/(0.9·√0.001) ≈ 3.5·lr.
    // (For |g| ≲ 1e-6 the ε inside ŝ, ε/(1 − β2) = 1e-13 at t = 1, starts to shrink the step.)
    for (const beta1 of [0.9, 0.5]) {
      for (const g of [1e-4, -3e-3, 0.7, -42, 1e6]) {
        const x = new Float32Array([0]);
        const opt = new AdaBelief([x], { beta1 });
        const lr = 1e-3;
        opt.step([new Float64Array([g])], lr);
        const delta = x[0]!;
        expect(Math.sign(delta)).toBe(-Math.sign(g));
        expect(Math.abs(delta) / (lr / beta1)).toBeCloseTo(1, 4);
      }
    }
  });

  it('applies decoupled weight decay as θ ← θ(1 − lr·λ) independently of the adaptive step', () => {
    const w = new Float32Array([2, -4]);
    const b = new Float32Array([3]);
    const opt = new AdaBelief({ w, b }, { weightDecay: { w: 0.5 } });
    opt.step({ w: new Float32Array(2), b: new Float32Array(1) }, 0.1);
    expect(Array.from(w)).toEqual([2 * 0.95, -4 * 0.95].map(Math.fround));
    expect(b[0]).toBe(3);
  });

  it('resumes from a JSON checkpoint bit-exactly (same Float32 parameters as an uninterrupted run)', () => {
    const make = () => ({
      k1: randomArray(11, 3 * 3 * 2 * 4, 0.5),
      w: randomArray(12, 17, 1),
      bias: randomArray(13, 5, 0.1),
    });
    const options = () => ({
      weightDecay: { w: 1e-2, k1: 1e-3 },
      project: { k1: zeroMeanProjection(3, 2, 4) },
    });
    // A deterministic but parameter-dependent gradient, so any divergence grows.
    const grads = (p: Record<string, Float32Array>, t: number) => {
      const rnd = mulberry(1000 + t);
      const out: Record<string, Float64Array> = {};
      for (const [name, v] of Object.entries(p)) {
        out[name] = Float64Array.from(v, (x) => Math.sin(3 * x) + x * x * x + 0.1 * (rnd() - 0.5));
      }
      return out;
    };
    const total = 120;
    const cut = 47;
    const lr = (t: number) => cosineLearningRate(t, total, 3e-3, 1e-5, 10);

    const a = make();
    const optA = new AdaBelief(a, options());
    for (let t = 0; t < total; t++) optA.step(grads(a, t), lr(t));

    const b = make();
    const optB = new AdaBelief(b, options());
    for (let t = 0; t < cut; t++) optB.step(grads(b, t), lr(t));
    const snapshot = optB.state();
    const json = JSON.stringify(adaBeliefStateToJSON(snapshot));
    const savedParams = JSON.stringify(Object.fromEntries(Object.entries(b).map(([n, v]) => [n, Array.from(v)])));
    // Keep stepping the old optimiser: the snapshot must not change with it.
    optB.step(grads(b, cut), lr(cut));
    expect(snapshot.step).toBe(cut);

    const restoredParams = Object.fromEntries(
      Object.entries(JSON.parse(savedParams) as Record<string, number[]>).map(([n, v]) => [n, Float32Array.from(v)]),
    );
    const state = adaBeliefStateFromJSON(JSON.parse(json) as AdaBeliefStateJSON);
    for (let k = 0; k < state.m.length; k++) {
      expect(state.m[k]).toEqual(snapshot.m[k]);
      expect(state.s[k]).toEqual(snapshot.s[k]);
    }
    const optC = AdaBelief.restore(restoredParams, state, { project: options().project });
    expect(optC.stepCount).toBe(cut);
    for (let t = cut; t < total; t++) optC.step(grads(restoredParams, t), lr(t));

    for (const name of Object.keys(a)) {
      expect(bits(restoredParams[name]!)).toEqual(bits(a[name as keyof typeof a]));
    }
    const sa = optA.state();
    const sc = optC.state();
    expect(sc.step).toBe(sa.step);
    for (let k = 0; k < sa.m.length; k++) {
      expect(sc.m[k]).toEqual(sa.m[k]);
      expect(sc.s[k]).toEqual(sa.s[k]);
    }
  });

  it('restores from a typed-array state as well, and keeps hyper-parameters from the state', () => {
    const p = new Float32Array([1, 2, 3]);
    const opt = new AdaBelief([p], { beta1: 0.8, beta2: 0.99, eps: 1e-12, weightDecay: 0.1 });
    opt.step([new Float32Array([0.1, -0.2, 0.3])], 0.01);
    const restored = AdaBelief.restore([p.slice()], opt.state());
    expect(restored.beta1).toBe(0.8);
    expect(restored.beta2).toBe(0.99);
    expect(restored.eps).toBe(1e-12);
    expect(restored.state().weightDecay).toEqual([0.1]);
  });

  describe('errors', () => {
    it('names the group and sizes on a gradient/parameter length mismatch', () => {
      const opt = new AdaBelief({ kernel: new Float32Array(10), bias: new Float32Array(2) });
      expect(() => opt.step({ kernel: new Float32Array(9), bias: new Float32Array(2) }, 0.1)).toThrow(
        /group "kernel" has 9 elements but the parameters have 10/,
      );
      expect(() => opt.step({ kernel: new Float32Array(10) }, 0.1)).toThrow(/gradient of group "bias"/);
      expect(() => opt.step({ kernel: new Float32Array(10), bias: new Float32Array(2), extra: new Float32Array(1) }, 0.1)).toThrow(
        /unknown group "extra"/,
      );
      expect(() => opt.step([new Float32Array(10)], 0.1)).toThrow(/2 gradient groups/);
      expect(() => opt.step(new Float32Array(10) as never, 0.1)).toThrow(/wrap a single group/);
    });

    it('rejects non-finite gradients by group and leaves parameters and moments untouched', () => {
      const a = new Float32Array([1, 2]);
      const b = new Float32Array([3]);
      const opt = new AdaBelief([a, b]);
      opt.step([new Float32Array([0.5, 0.5]), new Float32Array([0.5])], 0.1);
      const before = [a.slice(), b.slice()];
      const stateBefore = opt.state();
      for (const bad of [NaN, Infinity, -Infinity]) {
        let err: unknown;
        try {
          opt.step([new Float32Array([0.1, 0.2]), new Float32Array([bad])], 0.1);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(GncError);
        expect((err as GncError).kind).toBe('invalid-argument');
        expect((err as GncError).message).toMatch(new RegExp(`Non-finite gradient in group "1": element 0 is ${bad}`));
      }
      expect(a).toEqual(before[0]);
      expect(b).toEqual(before[1]);
      expect(opt.stepCount).toBe(1);
      expect(opt.state()).toEqual(stateBefore);
    });

    it('validates options, learning rate and restore input', () => {
      const p = () => ({ w: new Float32Array(3) });
      expect(() => new AdaBelief({})).toThrow(/at least one parameter group/);
      expect(() => new AdaBelief({ w: [1, 2] as unknown as Float32Array })).toThrow(/Float32Array for parameter group "w"/);
      expect(() => new AdaBelief(p(), { beta1: 1 })).toThrow(/beta1/);
      expect(() => new AdaBelief(p(), { beta2: -0.1 })).toThrow(/beta2/);
      expect(() => new AdaBelief(p(), { eps: 0 })).toThrow(/eps/);
      expect(() => new AdaBelief(p(), { weightDecay: -1 })).toThrow(/weightDecay for group "w"/);
      expect(() => new AdaBelief(p(), { weightDecay: { v: 1 } })).toThrow(/weightDecay key/);
      const opt = new AdaBelief(p());
      expect(() => opt.step({ w: new Float32Array(3) }, NaN)).toThrow(/lr/);
      expect(() => opt.step({ w: new Float32Array(3) }, -1)).toThrow(/lr/);
      const st = opt.state();
      expect(() => AdaBelief.restore({ v: new Float32Array(3) }, st)).toThrow(/groups \[w\].*\[v\]/);
      expect(() => AdaBelief.restore({ w: new Float32Array(4) }, st)).toThrow(/m of group "w" has 3 elements but the parameters have 4/);
      expect(() => AdaBelief.restore(p(), st, { beta1: 0.5 })).toThrow(/checkpoint.s value 0\.9 \(or no value\) for beta1 option but received 0\.5/);
      expect(() => AdaBelief.restore(p(), st, { weightDecay: 0.1 })).toThrow(/weightDecay for group "w"/);
      expect(() => AdaBelief.restore(p(), { ...st, format: 'adam' } as never)).toThrow(/AdaBelief state/);
    });
  });
});

describe('projectZeroMean', () => {
  const k = 3;
  const cin = 2;
  const cout = 4;
  const at = (y: number, x: number, ci: number, co: number) => ((y * k + x) * cin + ci) * cout + co;

  it('removes the mean of each k×k×cin HWIO filter and nothing else', () => {
    const w = randomArray(5, k * k * cin * cout, 1);
    for (let i = 0; i < w.length; i++) w[i] = w[i]! + (i % cout); // a different DC offset per filter
    const orig = w.slice();
    expect(projectZeroMean(w, k, cin, cout)).toBe(w);
    for (let co = 0; co < cout; co++) {
      let sum = 0;
      let origSum = 0;
      for (let y = 0; y < k; y++) {
        for (let x = 0; x < k; x++) {
          for (let ci = 0; ci < cin; ci++) {
            sum += w[at(y, x, ci, co)]!;
            origSum += orig[at(y, x, ci, co)]!;
          }
        }
      }
      expect(Math.abs(sum)).toBeLessThan(1e-5); // the filter's response to a constant image
      const mean = origSum / (k * k * cin);
      for (let y = 0; y < k; y++) {
        for (let x = 0; x < k; x++) {
          for (let ci = 0; ci < cin; ci++) {
            expect(w[at(y, x, ci, co)]).toBeCloseTo(orig[at(y, x, ci, co)]! - mean, 6);
          }
        }
      }
    }
    // Projection: applying it again changes (almost) nothing.
    const again = projectZeroMean(w.slice(), k, cin, cout);
    for (let i = 0; i < w.length; i++) expect(again[i]).toBeCloseTo(w[i]!, 6);
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => projectZeroMean(new Float32Array(70), k, cin, cout)).toThrow(/72 elements \(HWIO \[3, 3, 2, 4\]\)/);
    expect(() => projectZeroMean(new Float32Array(72), 0, cin, cout)).toThrow(/k/);
  });

  it('keeps filters zero-mean through optimiser steps when used as a projection hook', () => {
    const kernel = projectZeroMean(randomArray(8, k * k * cin * cout, 0.3), k, cin, cout);
    const seen: string[] = [];
    const opt = new AdaBelief(
      { kernel, other: new Float32Array(3) },
      {
        project: {
          kernel: (wts, group) => {
            seen.push(group);
            zeroMeanProjection(k, cin, cout)(wts, group);
          },
        },
      },
    );
    for (let t = 0; t < 20; t++) {
      // Gradient with a strong constant component that would shift every filter's mean.
      const g = Float32Array.from(kernel, (v, i) => 1 + v + 0.1 * (i % 5));
      opt.step({ kernel: g, other: new Float32Array([1, 1, 1]) }, 0.05);
      for (let co = 0; co < cout; co++) {
        let sum = 0;
        for (let j = 0; j < k * k * cin; j++) sum += kernel[j * cout + co]!;
        expect(Math.abs(sum)).toBeLessThan(1e-5);
      }
    }
    expect(seen).toEqual(Array(20).fill('kernel'));
  });
});

describe('cosineLearningRate', () => {
  it('starts at lrMax, ends at lrMin, passes the midpoint, and clamps past the end', () => {
    expect(cosineLearningRate(0, 100, 1e-3, 1e-5)).toBe(1e-3);
    expect(cosineLearningRate(50, 100, 1e-3, 1e-5)).toBeCloseTo((1e-3 + 1e-5) / 2, 15);
    expect(cosineLearningRate(100, 100, 1e-3, 1e-5)).toBe(1e-5);
    expect(cosineLearningRate(250, 100, 1e-3, 1e-5)).toBe(1e-5);
    expect(cosineLearningRate(99, 100, 1e-3, 1e-5)).toBeGreaterThan(1e-5);
    expect(cosineLearningRate(99, 100, 1e-3, 1e-5)).toBeLessThan(1e-5 + 1e-6);
    expect(cosineLearningRate(7, 10, 0.1, 0.1)).toBe(0.1);
  });

  it('is non-increasing without warm-up', () => {
    let prev = Infinity;
    for (let t = 0; t <= 1000; t++) {
      const lr = cosineLearningRate(t, 1000, 0.01, 0);
      expect(lr).toBeLessThanOrEqual(prev);
      expect(lr).toBeGreaterThanOrEqual(0);
      prev = lr;
    }
  });

  it('warms up linearly to lrMax, then decays monotonically to lrMin', () => {
    const W = 10;
    const T = 110;
    for (let t = 0; t < W; t++) expect(cosineLearningRate(t, T, 0.5, 0.01, W)).toBeCloseTo((0.5 * (t + 1)) / W, 15);
    expect(cosineLearningRate(W - 1, T, 0.5, 0.01, W)).toBe(0.5);
    expect(cosineLearningRate(W, T, 0.5, 0.01, W)).toBe(0.5);
    expect(cosineLearningRate(W + 50, T, 0.5, 0.01, W)).toBeCloseTo(0.255, 12);
    expect(cosineLearningRate(T, T, 0.5, 0.01, W)).toBe(0.01);
    let prev = 0;
    for (let t = 0; t < W; t++) {
      const lr = cosineLearningRate(t, T, 0.5, 0.01, W);
      expect(lr).toBeGreaterThan(prev);
      prev = lr;
    }
    for (let t = W; t <= T + 5; t++) {
      const lr = cosineLearningRate(t, T, 0.5, 0.01, W);
      expect(lr).toBeLessThanOrEqual(prev);
      prev = lr;
    }
  });

  it('rejects invalid arguments with clear errors', () => {
    expect(() => cosineLearningRate(-1, 10, 1, 0)).toThrow(/step/);
    expect(() => cosineLearningRate(1.5, 10, 1, 0)).toThrow(/Expected an integer .* for step but received 1.5/);
    expect(() => cosineLearningRate(0, 0, 1, 0)).toThrow(/totalSteps/);
    expect(() => cosineLearningRate(0, 10, NaN, 0)).toThrow(/lrMax/);
    expect(() => cosineLearningRate(0, 10, 1, -0.1)).toThrow(/lrMin/);
    expect(() => cosineLearningRate(0, 10, 0.1, 0.2)).toThrow(/no larger than lrMax \(0\.1\) for lrMin but received 0\.2/);
    expect(() => cosineLearningRate(0, 10, 1, 0, 10)).toThrow(/smaller than totalSteps \(10\) for warmupSteps/);
    expect(() => cosineLearningRate(0, 10, 1, 0, -1)).toThrow(/warmupSteps/);
  });
});
