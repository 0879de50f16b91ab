/**
 * GFLOP/s on the current tfjs backend in this process: the engine's own
 * ∇ₓR (conv + adjoint conv per layer) against plain convolutions and a large
 * matMul, the best this backend reaches for the same kind of op.
 */
import { tf } from '../src/engine/tf.js';
import { FoEPrior, type FoEArchitecture, type FoEParameters } from '../src/prior/foe.js';
import { gradientFlopsPerPixel } from '../src/bench/photo-speed.js';
import { Prng } from '../src/util/random.js';

function best(f: () => void, repeats: number): number {
  f();
  let min = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    f();
    min = Math.min(min, performance.now() - t0);
  }
  return min / 1000;
}

function timeOp(op: () => tf.Tensor, repeats: number): number {
  return best(() => {
    const r = tf.tidy(op);
    r.dataSync();
    r.dispose();
  }, repeats);
}

export interface PeakFigures {
  engine: { gflops: number; what: string };
  ops: Array<{ gflops: number; what: string }>;
}

export function measurePeak(arch: FoEArchitecture, params: FoEParameters, quick: boolean): PeakFigures {
  const size = quick ? 256 : 512;
  const repeats = quick ? 2 : 3;
  const rng = new Prng(5);
  const x = Float32Array.from({ length: size * size }, () => 0.5 + 0.1 * rng.gaussian());
  const prior = new FoEPrior(arch, params);
  const seconds = best(() => prior.evaluate(x, { n: 1, h: size, w: size, c: 1 }, [Math.log(0.1)], { gradX: true }), repeats);
  prior.dispose();
  const engine = { gflops: (gradientFlopsPerPixel(arch) * size * size) / seconds / 1e9, what: `engine ∇ₓR ${size}² (conv + adjoint)` };
  const ops: PeakFigures['ops'] = [];
  for (const [k, cin, cout] of [[7, 1, 48], [3, 48, 48]] as const) {
    const input = tf.randomNormal<tf.Rank.R4>([1, size, size, cin], 0, 1, 'float32', 1);
    const w = tf.randomNormal<tf.Rank.R4>([k, k, cin, cout], 0, 1, 'float32', 2);
    const s = timeOp(() => tf.conv2d(input, w, 1, 'same'), repeats);
    ops.push({ gflops: (2 * k * k * cin * cout * size * size) / s / 1e9, what: `conv2d ${k}×${k} ${cin}→${cout} ${size}²` });
    tf.dispose([input, w]);
  }
  const m = quick ? 512 : 1024;
  const a = tf.randomNormal<tf.Rank.R2>([m, m], 0, 1, 'float32', 3);
  const b = tf.randomNormal<tf.Rank.R2>([m, m], 0, 1, 'float32', 4);
  const s = timeOp(() => tf.matMul(a, b), repeats);
  ops.push({ gflops: (2 * m * m * m) / s / 1e9, what: `matMul ${m}³` });
  tf.dispose([a, b]);
  return { engine, ops };
}
