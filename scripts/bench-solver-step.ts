/**
 * `npx tsx scripts/bench-solver-step.ts [--size 512] [--repeats 3] [--threads N]`
 *
 * One solver step, i.e. one evaluation of ∇ₓR on a size² grey image, with the
 * shipped 1- and 2-layer priors, side by side in one run on every inference
 * path that loads here:
 *
 *   tfjs on wasm (the engine's default tfjs backend, one thread),
 *   tfjs on wasm in the tile pool (src/solve/tile-pool.ts: one wasm worker per
 *   core, size/2 tiles), the engine's multi-core tfjs path,
 *   tfjs on tensorflow (tfjs-node), when it loads,
 *   onnxruntime-node (src/onnx) with each adjoint form (mixed is the default), on 1 thread and on
 *   every core; "ort ms" is the time inside session.run, the rest of the
 *   step is the worker bridge and the σ-dependent spline tables.
 *
 * Prints ms/step (median of the repeats, after one warm-up), the ratio to
 * tfjs-wasm, the backend and its thread count, and the largest difference of
 * each path's ∇ₓR from tfjs-wasm's relative to its largest entry.
 */
import { availableParallelism } from 'node:os';
import { selectBackend } from '../src/engine/backend.js';
import { FoEPrior } from '../src/prior/foe.js';
import { resolveModel } from '../src/prior/registry.js';
import { OnnxPrior } from '../src/onnx/onnx-prior.js';
import type { AdjointForm } from '../src/onnx/foe-graph.js';
import type { PriorField } from '../src/solve/tiled-prior.js';
import { Prng } from '../src/util/random.js';
import { PooledPrior, TilePool } from '../src/solve/tile-pool.js';
import { foeKernelSpec } from '../src/solve/foe-tile-kernel.js';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}
const size = arg('size', 512);
const repeats = arg('repeats', 3);
const cores = arg('threads', availableParallelism());

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const rng = new Prng(1);
const x = Float32Array.from({ length: size * size }, (_, i) => 0.5 + 0.3 * Math.sin(i * 0.013) + 0.1 * rng.gaussian());
const shape = { n: 1, h: size, w: size, c: 1 };
const t = [Math.log(25 / 255)];

interface Row {
  model: string;
  path: string;
  backend: string;
  threads: string;
  ms: number;
  min: number;
  ortMs?: number;
  diff?: number;
}
const rows: Row[] = [];

function measure(prior: PriorField, onnx?: OnnxPrior): { ms: number; min: number; ortMs?: number; grad: Float32Array } {
  let grad = prior.evaluate(x, shape, t, { gradX: true }).gradX!; // warm-up (and first-shape planning)
  const times: number[] = [];
  const ort: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    grad = prior.evaluate(x, shape, t, { gradX: true }).gradX!;
    times.push(performance.now() - t0);
    if (onnx) ort.push(onnx.lastRunMs);
  }
  return { ms: median(times), min: Math.min(...times), ...(onnx ? { ortMs: median(ort) } : {}), grad };
}

function relDiff(a: Float32Array, ref: Float32Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - ref[i]!));
    s = Math.max(s, Math.abs(ref[i]!));
  }
  return d / s;
}

for (const name of ['grey-l1-dsm', 'grey-l2-dsm']) {
  const model = await resolveModel(name);
  const whole = size; // one tile: the untiled evaluation, as tfjs below
  await selectBackend('wasm');
  const wasmPrior = new FoEPrior(model.architecture, model.parameters);
  const wasm = measure(wasmPrior);
  rows.push({ model: name, path: 'tfjs', backend: 'wasm', threads: '1', ms: wasm.ms, min: wasm.min });

  if (cores > 1) {
    try {
      const pool = await TilePool.create({ threads: cores, kernel: foeKernelSpec(model.architecture, model.parameters, 'wasm') });
      try {
        const r = measure(new PooledPrior(pool, wasmPrior.tRange, { tile: Math.ceil(size / 2) }));
        rows.push({ model: name, path: 'tfjs', backend: 'wasm, tile pool', threads: String(pool.size), ms: r.ms, min: r.min, diff: relDiff(r.grad, wasm.grad) });
      } finally {
        await pool.terminate();
      }
    } catch (err) {
      rows.push({ model: name, path: 'tfjs', backend: `wasm tile pool: failed (${(err as Error).message.slice(0, 60)})`, threads: '', ms: NaN, min: NaN });
    }
  }

  try {
    const info = await selectBackend('tensorflow');
    const prior = new FoEPrior(model.architecture, model.parameters);
    const r = measure(prior);
    prior.dispose();
    rows.push({ model: name, path: 'tfjs', backend: info.package, threads: 'all', ms: r.ms, min: r.min, diff: relDiff(r.grad, wasm.grad) });
  } catch (err) {
    rows.push({ model: name, path: 'tfjs', backend: `tfjs-node: not available (${(err as Error).message.includes("not installed") ? "not installed" : "does not load"})`, threads: '', ms: NaN, min: NaN });
  }
  await selectBackend('wasm');
  wasmPrior.dispose();

  for (const adjoint of ['mixed', 'conv-transpose', 'flipped-conv'] as AdjointForm[]) {
    for (const threads of [...new Set([1, cores])]) {
      try {
        const onnx = new OnnxPrior(model.architecture, model.parameters, { threads, adjoint, tile: whole });
        const r = measure(onnx, onnx);
        rows.push({
          model: name,
          path: 'onnx',
          backend: `onnxruntime-node ${onnx.info.version} (${adjoint})`,
          threads: String(onnx.info.threads),
          ms: r.ms,
          min: r.min,
          ortMs: r.ortMs!,
          diff: relDiff(r.grad, wasm.grad),
        });
        onnx.dispose();
      } catch (err) {
        rows.push({ model: name, path: 'onnx', backend: `not available (${(err as Error).message.slice(0, 80)})`, threads: '', ms: NaN, min: NaN });
      }
    }
  }
}

console.log(`One solver step (∇ₓR) on a ${size}×${size} grey image, σ = 25/255; median of ${repeats} after a warm-up; ${availableParallelism()} cores here.`);
const header = ['model', 'path', 'backend', 'threads', 'ms/step', 'min ms', 'ort ms', '× tfjs-wasm', 'max |Δ∇|/max|∇|'];
const table = rows.map((r) => {
  const wasm = rows.find((w) => w.model === r.model && w.backend === 'wasm')!;
  return [
    r.model,
    r.path,
    r.backend,
    r.threads,
    Number.isFinite(r.ms) ? r.ms.toFixed(0) : '',
    Number.isFinite(r.min) ? r.min.toFixed(0) : '',
    r.ortMs !== undefined ? r.ortMs.toFixed(0) : '',
    Number.isFinite(r.ms) ? `${(wasm.ms / r.ms).toFixed(2)}× faster` : '',
    r.diff !== undefined ? r.diff.toExponential(1) : '',
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
for (const row of [header, ...table]) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
