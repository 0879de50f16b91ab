/**
 * Which colour space a grey prior should restore colour photos in: measured
 * on McMaster (central crops, synthetic Gaussian noise in floating point, the
 * model's default GNC settings), per-plane denoising in
 *   - opponent: the orthonormal opponent planes of image/colour.ts (what the
 *     engine does; noise stays i.i.d. with σ in every plane),
 *   - opponent-centred: the same with the chroma planes shifted by +0.5,
 *   - rgb: R, G and B separately, each at σ,
 *   - ycbcr: JPEG's Y, Cb, Cr (not orthonormal: each plane's noise σ is σ
 *     times the norm of its row, and the planes' noise is correlated, which a
 *     per-plane denoiser ignores).
 * PSNR on [0, 1] of the clipped result, averaged over the images.
 *
 *   npx tsx scripts/measure-colour.ts [--model grey-l1-dsm] [--size 128] [--sigma 25] [--limit 18] [--record]
 *
 * --record writes the choice and the figures into the model file's metadata
 * (`colour`), which leaves its identity (architecture + weights) unchanged.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/engine/backend.js';
import { readImage } from '../src/image/io.js';
import { psnr } from '../src/image/metrics.js';
import { addGaussianNoise } from '../src/image/noise.js';
import type { RasterImage } from '../src/image/types.js';
import { encodeModel, loadModelFile, type ModelMetadata } from '../src/prior/model-file.js';
import { resolveModel } from '../src/prior/registry.js';
import { resolveSettings, restore } from '../src/restore/restore.js';
import { writeFileAtomic } from '../src/util/atomic.js';
import { defaultDataDir } from '../src/util/paths.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'grey-l1-dsm' },
    size: { type: 'string', default: '128' },
    sigma: { type: 'string', default: '25' },
    limit: { type: 'string', default: '18' },
    backend: { type: 'string', default: 'auto' },
    record: { type: 'boolean', default: false },
  },
});
const size = Number(values.size), sigma = Number(values.sigma) / 255;
await selectBackend(values.backend as 'auto');
const model = await resolveModel(values.model);
const settings = resolveSettings('denoise', model);
const dir = path.join(defaultDataDir(), 'McMaster');
const files = readdirSync(dir).filter((f) => f.endsWith('.png')).sort((a, b) => parseInt(a, 10) - parseInt(b, 10)).slice(0, Number(values.limit));

/** Rows of a 3×3 colour transform, and its inverse. */
type Matrix = number[][];
const S3 = Math.sqrt(3), S2 = Math.sqrt(2), S6 = Math.sqrt(6);
const SPACES: Record<string, { forward: Matrix; offset: number[] }> = {
  opponent: { forward: [[1 / S3, 1 / S3, 1 / S3], [1 / S2, 0, -1 / S2], [1 / S6, -2 / S6, 1 / S6]], offset: [0, 0, 0] },
  // The same planes with the chroma planes moved from around 0 to around 0.5, where the prior's training images lie.
  'opponent-centred': { forward: [[1 / S3, 1 / S3, 1 / S3], [1 / S2, 0, -1 / S2], [1 / S6, -2 / S6, 1 / S6]], offset: [0, 0.5, 0.5] },
  rgb: { forward: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], offset: [0, 0, 0] },
  ycbcr: {
    forward: [
      [0.299, 0.587, 0.114],
      [-0.168736, -0.331264, 0.5],
      [0.5, -0.418688, -0.081312],
    ],
    offset: [0, 0.5, 0.5],
  },
};

function invert3(m: Matrix): Matrix {
  const [a, b, c] = m[0]!, [d, e, f] = m[1]!, [g, h, i] = m[2]!;
  const A = e! * i! - f! * h!, B = -(d! * i! - f! * g!), C = d! * h! - e! * g!;
  const det = a! * A + b! * B + c! * C;
  return [
    [A / det, -(b! * i! - c! * h!) / det, (b! * f! - c! * e!) / det],
    [B / det, (a! * i! - c! * g!) / det, -(a! * f! - c! * d!) / det],
    [C / det, -(a! * h! - b! * g!) / det, (a! * e! - b! * d!) / det],
  ];
}

function crop(image: RasterImage, s: number): RasterImage {
  const x0 = Math.floor((image.width - s) / 2), y0 = Math.floor((image.height - s) / 2);
  const data = new Float32Array(s * s * 3);
  for (let y = 0; y < s; y++) data.set(image.data.subarray(((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x0 + s) * 3), y * s * 3);
  return { width: s, height: s, channels: 3, data };
}

function denoisePlanes(noisy: RasterImage, space: string): Float32Array {
  const { forward, offset } = SPACES[space]!;
  const inverse = invert3(forward);
  const n = noisy.width * noisy.height;
  const out = new Float32Array(3 * n);
  const planes: Float32Array[] = [];
  for (let k = 0; k < 3; k++) {
    const row = forward[k]!;
    const plane = new Float32Array(n);
    for (let p = 0; p < n; p++) plane[p] = row[0]! * noisy.data[3 * p]! + row[1]! * noisy.data[3 * p + 1]! + row[2]! * noisy.data[3 * p + 2]! + offset[k]!;
    // i.i.d. noise σ per RGB channel has σ·‖row‖ in this plane.
    const planeSigma = sigma * Math.hypot(row[0]!, row[1]!, row[2]!);
    const r = restore({ task: 'denoise', image: { width: noisy.width, height: noisy.height, channels: 1, data: plane }, model, sigma: planeSigma, traceEnergy: false });
    planes.push(r.image.data);
  }
  for (let p = 0; p < n; p++) {
    const v = [planes[0]![p]! - offset[0]!, planes[1]![p]! - offset[1]!, planes[2]![p]! - offset[2]!];
    for (let c = 0; c < 3; c++) out[3 * p + c] = inverse[c]![0]! * v[0]! + inverse[c]![1]! * v[1]! + inverse[c]![2]! * v[2]!;
  }
  return out;
}

const clip = (d: Float32Array) => d.map((v) => Math.min(1, Math.max(0, v)));
const VARIANTS = ['opponent', 'opponent-centred', 'rgb', 'ycbcr'] as const;
const sums: Record<string, number> = { input: 0, engine: 0, opponent: 0, 'opponent-centred': 0, rgb: 0, ycbcr: 0 };
const started = performance.now();
for (const [i, file] of files.entries()) {
  const clean = crop(await readImage(path.join(dir, file)), size);
  const noisy = { ...clean, data: addGaussianNoise(clean.data, sigma, 1000 + i) };
  const row: Record<string, number> = { input: psnr(noisy.data, clean.data) };
  // The engine's own colour path (opponent planes inside restore()), as a check on the script.
  row.engine = psnr(clip(restore({ task: 'denoise', image: noisy, model, sigma, traceEnergy: false }).image.data), clean.data);
  for (const space of VARIANTS) row[space] = psnr(clip(denoisePlanes(noisy, space)), clean.data);
  for (const k of Object.keys(sums)) sums[k]! += row[k]!;
  console.log(file.padEnd(8), Object.entries(row).map(([k, v]) => `${k} ${v.toFixed(2)}`).join('  '));
}
const mean = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, Number((v / files.length).toFixed(3))]));
console.log(`mean over ${files.length} McMaster crops ${size}², σ ${values.sigma}, ${model.name} ${settings.method} ${settings.steps} steps:`, JSON.stringify(mean), `${((performance.now() - started) / 1000).toFixed(0)} s`);
const best = (['opponent', 'rgb', 'ycbcr'] as const).reduce((a, b) => (mean[b]! > mean[a]! ? b : a));
// Centring the chroma planes is not a colour space of its own; it is reported beside the choice.
console.log(`best: ${best}`);

if (values.record) {
  const loaded = await loadModelFile(model.path);
  const metadata: ModelMetadata = {
    ...loaded.metadata,
    colour: {
      mode: best === 'opponent' ? 'opponent-planes' : best === 'rgb' ? 'rgb-planes' : 'ycbcr-planes',
      measured: {
        data: `McMaster, ${files.length} images, central ${size}×${size} crops`,
        sigma: Number(values.sigma),
        settings: { method: settings.method, steps: settings.steps },
        psnr: { input: mean.input, opponent: mean.opponent, 'opponent-centred': mean['opponent-centred'], rgb: mean.rgb, ycbcr: mean.ycbcr },
        script: 'scripts/measure-colour.ts',
        date: new Date().toISOString().slice(0, 10),
      },
    },
  };
  const bytes = encodeModel(loaded.architecture, loaded.parameters, metadata);
  await writeFileAtomic(model.path, bytes);
  const again = await loadModelFile(model.path);
  if (again.id !== loaded.id) throw new Error(`identity changed: ${loaded.id} → ${again.id}`);
  console.log(`recorded in ${model.path} (identity ${again.id.slice(0, 12)} unchanged)`);
}
