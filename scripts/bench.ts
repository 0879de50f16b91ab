/**
 * `npm run bench`: engine speed on this machine, always as ratios against a
 * reference measured in the same run.
 *
 *  1. One prior-gradient evaluation ∇ₓR (the cost of a solver step) with the
 *     default prior on each backend that loads, relative to wasm.
 *  2. The adjoint convolution Kᵀ as a flipped forward convolution (what the
 *     engine uses) against tf.conv2dTranspose, per layer shape.
 *  3. A whole GNC-flow denoise (30 steps) against the same run without the
 *     per-step energy trace.
 *  4. Convexity of the default prior at its smallest and largest σ.
 *
 * Prints the backend and thread count for every figure.
 */
import { tf } from '../src/engine/tf.js';
import { selectBackend, type BackendName } from '../src/engine/backend.js';
import { FoEPrior } from '../src/prior/foe.js';
import { resolveModel } from '../src/prior/registry.js';
import { DenoisingTerm } from '../src/solve/data-terms.js';
import { solveGncFlow } from '../src/solve/gnc-flow.js';
import { addGaussianNoise } from '../src/image/noise.js';
import { Prng } from '../src/util/random.js';
import { estimateCurvature } from '../src/prior/curvature.js';
import { readImage } from '../src/image/io.js';
import { greyCrop } from '../src/image/colour.js';
import { resourcesDir } from '../src/util/paths.js';
import path from 'node:path';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function timeIt(f: () => void, repeats: number): number {
  f();
  const ts: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}
function image(size: number): Float32Array {
  const rng = new Prng(1);
  return Float32Array.from({ length: size * size }, (_, i) => 0.5 + 0.3 * Math.sin(i * 0.013) + 0.05 * rng.gaussian());
}

const model = await resolveModel();
const rows: string[][] = [];

// 1. Gradient evaluation per backend.
const size = 256;
const x = image(size);
const shape = { n: 1, h: size, w: size, c: 1 };
const results: Array<{ backend: BackendName; threads: number; ms: number }> = [];
for (const name of ['wasm', 'cpu', 'tensorflow'] as BackendName[]) {
  let info;
  try {
    info = await selectBackend(name);
  } catch {
    rows.push([`∇ₓR ${size}² (${name})`, 'not available here', '', '']);
    continue;
  }
  const prior = new FoEPrior(model.architecture, model.parameters);
  const ms = timeIt(() => prior.evaluate(x, shape, [Math.log(0.1)], { gradX: true }), name === 'cpu' ? 1 : 5);
  prior.dispose();
  results.push({ backend: name, threads: info.threads, ms });
}
const wasmMs = results.find((r) => r.backend === 'wasm')?.ms;
for (const r of results) {
  rows.push([`∇ₓR ${size}², ${model.name}`, `${r.backend} (${r.threads || 'all'} thr)`, `${r.ms.toFixed(1)} ms`, wasmMs ? `${(r.ms / wasmMs).toFixed(2)}× wasm` : '']);
}

// 2. Adjoint formulations on wasm.
await selectBackend('wasm');
for (const [k, cin, cout] of [[7, 1, 48], [3, 48, 48]] as const) {
  const rng = new Prng(2);
  const y = tf.randomNormal<tf.Rank.R4>([1, size, size, cout], 0, 1, 'float32', 3);
  const w = tf.tensor4d(Float32Array.from({ length: k * k * cin * cout }, () => rng.gaussian()), [k, k, cin, cout]);
  const flipped = tf.tidy(() => tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]));
  const full = k - 1;
  // Read results outside tf.tidy: a dataSync() inside the scope measured 30× slower on wasm.
  const run = (op: () => tf.Tensor) => () => {
    const r = tf.tidy(op);
    r.dataSync();
    r.dispose();
  };
  const viaFlip = timeIt(run(() => tf.conv2d(tf.pad(y, [[0, 0], [full, full], [full, full], [0, 0]]), flipped as tf.Tensor4D, 1, 'valid')), 3);
  const viaTranspose = timeIt(run(() => tf.conv2dTranspose(y, w, [1, size + full, size + full, cin], 1, 'valid')), 3);
  rows.push([`Kᵀ ${k}×${k} ${cout}→${cin}, ${size}²`, 'wasm (1 thr)', `${viaFlip.toFixed(1)} ms flipped conv`, `${(viaTranspose / viaFlip).toFixed(2)}× faster than conv2dTranspose (${viaTranspose.toFixed(1)} ms)`]);
  tf.dispose([y, w, flipped]);
}

// 3. A whole denoise with and without the energy trace.
const prior = new FoEPrior(model.architecture, model.parameters);
const noisy = addGaussianNoise(x, 25 / 255, 0);
const problem = { prior, data: new DenoisingTerm(noisy, 25 / 255), shape };
const settings = { steps: 30, sigma0: 0.4, sigmaMin: 0.02, schedule: 'log' as const };
const plain = timeIt(() => solveGncFlow(problem, { ...settings, traceEnergy: false }), 1);
const traced = timeIt(() => solveGncFlow(problem, { ...settings, traceEnergy: true }), 1);
prior.dispose();
rows.push([`GNC flow 30 steps, ${size}²`, 'wasm (1 thr)', `${(plain / 1000).toFixed(2)} s`, `${(traced / plain).toFixed(2)}× with energy trace`]);

// 4. Convexity of R(·, t) in x (GNC paper, Theorem 2.2): the smallest Hessian
// eigenvalue relative to the mean curvature along random directions, on the
// project's sample photo (its luma, 64×64 crop).
{
  const sample = await readImage(path.join(resourcesDir(), 'samples', 'sample.png'));
  const c = 64;
  const crop = greyCrop(sample, 40, 150, c);
  const cprior = new FoEPrior(model.architecture, model.parameters);
  const { tMin, tMax } = cprior.tRange;
  for (const sigma of [Math.exp(tMin), 0.05, 0.2, Math.exp(tMax)]) {
    const e = estimateCurvature(cprior, crop, { n: 1, h: c, w: c, c: 1 }, sigma, { directions: 4, iterations: 40 });
    rows.push([`min curvature / mean, σ = ${(sigma * 255).toFixed(1)}`, 'wasm (1 thr)', `${(e.smallest / e.randomMean).toFixed(3)}`, e.smallest < -1e-3 * e.randomMean ? 'non-convex' : 'convex (within 1e-3)']);
  }
  cprior.dispose();
}

const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
console.log(`GNC Studio engine bench — ${new Date().toISOString()} — node ${process.version}`);
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
