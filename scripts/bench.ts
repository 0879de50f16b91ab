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
 *  5. Whole photos: a synthetic colour photo of 1, 12 and 24 megapixels
 *     denoised by `gnc denoise` (default prior and schedule, all cores) beside
 *     OpenCV's fastNlMeansDenoisingColored and G'MIC's `denoise` on the same
 *     noisy 8-bit input: seconds, megapixels per second, peak memory, threads,
 *     PSNR and the ratio to each; then the GFLOP/s the engine's convolutions
 *     reach against the best this backend does for the same op here.
 *
 *   npm run bench                     sections 1–5, photos of 1, 12 and 24 MP
 *   npm run bench -- --quick          section 5 only, 1 MP, smaller peak runs
 *   npm run bench -- --photos --sizes 1,12 [--threads N] [--steps N] [--backend wasm] [--no-references]
 *   npm run bench -- --engine         sections 1–4 only
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
import os from 'node:os';
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { detectReferences } from '../src/bench/references.js';
import { gmicThreads, gradientFlopsPerPixel, openCvThreads, photoInputs, runGmic, runGnc, runOpenCv, type PhotoRun } from '../src/bench/photo-speed.js';
import { measurePeak } from './bench-peak.js';
import { peakRssMB } from '../src/util/memory.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    photos: { type: 'boolean', default: false },
    engine: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    threads: { type: 'string' },
    steps: { type: 'string' },
    backend: { type: 'string' },
    sigma: { type: 'string', default: '25' },
    'no-references': { type: 'boolean', default: false },
    dir: { type: 'string' },
  },
});
const runEngine = args.engine || (!args.photos && !args.quick);
const runPhotos = args.photos || args.quick || !args.engine;
const sizes = (args.sizes ?? (args.quick ? '1' : '1,12,24')).split(',').map(Number);
if (sizes.some((s) => !(s > 0 && s <= 100))) throw new Error(`--sizes takes megapixels between 0 and 100, e.g. 1,12,24; got ${args.sizes}`);

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
if (runEngine) {

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

}

function printTable(table: string[][]): void {
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => (r[c] ?? '').length)));
  for (const r of table) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
}

console.log(`GNC Studio engine bench — ${new Date().toISOString()} — node ${process.version}, ${os.availableParallelism()} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
if (rows.length) printTable(rows);

// 5. Whole photos, ours against the reference tools, one process per run.
if (runPhotos) {
  const sigma = Number(args.sigma);
  const dir = args.dir ?? path.join(os.tmpdir(), 'gnc-bench-photos');
  mkdirSync(dir, { recursive: true });
  const tools = args['no-references'] ? undefined : await detectReferences();
  const cvThreads = tools?.opencv.available ? await openCvThreads() : 0;
  const gThreads = tools?.gmic.available ? await gmicThreads() : 0;
  const flopsPerPixel = gradientFlopsPerPixel(model.architecture);
  const table: string[][] = [['photo', 'tool', 'threads', 'seconds', 'wall s', 'MP/s', 'peak MB', 'PSNR dB', '× OpenCV', "× G'MIC", 'conv GFLOP/s', 'what']];
  const ours: Array<PhotoRun & { backend: string; steps: number }> = [];
  for (const mp of sizes) {
    const inputs = await photoInputs(dir, mp, sigma);
    const label = `${mp} MP ${inputs.width}×${inputs.height}`;
    const runs: PhotoRun[] = [];
    const gnc = await runGnc(inputs, mp, dir, {
      sigma,
      ...(args.threads ? { threads: Number(args.threads) } : {}),
      ...(args.steps ? { steps: Number(args.steps) } : {}),
      ...(args.backend ? { backend: args.backend } : {}),
    });
    ours.push(gnc);
    runs.push(gnc);
    if (tools?.opencv.available) runs.push(await runOpenCv(inputs, mp, dir, sigma, cvThreads));
    if (tools?.gmic.available) runs.push(await runGmic(inputs, mp, dir, sigma, gThreads));
    // Each size's figures as soon as they are in: a long run stopped at 24 MP keeps 1 and 12.
    for (const r of runs) {
      console.log(
        `[${label}] ${r.tool === 'gnc' ? `gnc (${gnc.backend})` : r.tool}: ${r.threads} threads, ${r.seconds.toFixed(2)} s (wall ${r.wall.toFixed(1)} s), ` +
          `peak ${r.peakMB ?? '?'} MB, PSNR ${r.psnr.toFixed(2)} dB — ${r.detail}`,
      );
    }
    const cv = runs.find((r) => r.tool === 'opencv');
    const gm = runs.find((r) => r.tool === 'gmic');
    const pixels = inputs.width * inputs.height;
    for (const r of runs) {
      const gflops = r === gnc ? (gnc.steps * pixels * 3 * flopsPerPixel) / gnc.seconds / 1e9 : undefined;
      table.push([
        label,
        r.tool === 'gnc' ? `gnc (${gnc.backend})` : r.tool,
        String(r.threads),
        r.seconds.toFixed(2),
        r.wall.toFixed(1),
        (pixels / 1e6 / r.seconds).toFixed(3),
        r.peakMB !== undefined ? String(r.peakMB) : '?',
        r.psnr.toFixed(2),
        cv && r !== cv ? `${(r.seconds / cv.seconds).toFixed(1)}×` : '',
        gm && r !== gm ? `${(r.seconds / gm.seconds).toFixed(1)}×` : '',
        gflops !== undefined ? gflops.toFixed(2) : '',
        r.detail,
      ]);
    }
  }
  console.log(`\nWhole photos: synthetic 3:2 colour photo (src/bench/synthetic-photo.ts), Gaussian noise σ ${sigma} rounded to 8 bits, in ${dir}`);
  console.log('seconds = the algorithm (gnc: its solve, OpenCV: the cv2 call, G\'MIC: tic/toc); wall s and peak MB = the whole process (/usr/bin/time); × = our seconds over theirs');
  if (tools && !tools.opencv.available) console.log(`OpenCV: not installed (${tools.opencv.reason})`);
  if (tools && !tools.gmic.available) console.log(`G'MIC: not installed (${tools.gmic.reason})`);
  printTable(table);

  // GFLOP/s in this process on the tfjs backend the runs used (wasm: one
  // thread per instance): the engine's ∇ₓR against plain conv2d and matMul.
  const info = await selectBackend(args.backend === 'cpu' ? 'cpu' : 'wasm');
  const peak = measurePeak(model.architecture, model.parameters, args.quick);
  const best = peak.ops.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  console.log(`\nGFLOP/s on ${info.name} (${info.threads || 'all'} thread${info.threads === 1 ? '' : 's'} per instance), this process:`);
  printTable([
    ['op', 'GFLOP/s', 'of best op'],
    [peak.engine.what, peak.engine.gflops.toFixed(2), `${((100 * peak.engine.gflops) / best.gflops).toFixed(0)} %`],
    ...peak.ops.map((o) => [o.what, o.gflops.toFixed(2), `${((100 * o.gflops) / best.gflops).toFixed(0)} %`]),
  ]);
  for (const g of ours) {
    const gflops = (g.steps * g.width * g.height * 3 * flopsPerPixel) / g.seconds / 1e9;
    const perThread = gflops / g.threads;
    console.log(
      `${g.megapixels} MP (${g.backend}, ${g.threads} threads): ${gflops.toFixed(2)} GFLOP/s of convolutions over the whole solve, ${perThread.toFixed(2)} per thread = ` +
        `${((100 * perThread) / best.gflops).toFixed(0)} % of ${best.what} on one ${info.name} thread` +
        (g.backend !== info.name ? ` (the run used ${g.backend}: compare with care)` : ''),
    );
  }
  console.log(`bench process peak RSS ${peakRssMB()} MB`);
}
