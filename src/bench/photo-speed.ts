/**
 * Speed and memory on whole photos (`npm run bench -- --photos`): denoise a
 * synthetic colour photo of 1, 12 and 24 megapixels with `gnc denoise` (the
 * default prior and schedule, the same code path as the CLI) and, in the same
 * run on the same noisy 8-bit input, OpenCV's fastNlMeansDenoisingColored and
 * G'MIC's `denoise` where installed. Every tool runs as its own process under
 * /usr/bin/time, so seconds and peak memory are measured the same way for all.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readImage, writeImage } from '../image/io.js';
import { psnr } from '../image/metrics.js';
import { addGaussianNoise } from '../image/noise.js';
import { projectRoot } from '../util/paths.js';
import { DEFAULT_GMIC, DEFAULT_PYTHON, gmicDenoiseArgs, nlmStrength, opencvScript } from './references.js';
import { writeSyntheticPhoto } from './synthetic-photo.js';

const exec = promisify(execFile);
const TIME = '/usr/bin/time';

export interface PhotoRun {
  tool: 'gnc' | 'opencv' | 'gmic';
  megapixels: number;
  width: number;
  height: number;
  /** Seconds of the algorithm itself (gnc: the solve; OpenCV: the cv2 call; G'MIC: tic/toc). */
  seconds: number;
  /** Wall-clock seconds of the whole process (start-up, decode, encode included). */
  wall: number;
  /** Peak resident memory of the process (MB), from /usr/bin/time; undefined where it is missing. */
  peakMB?: number;
  threads: number;
  psnr: number;
  detail: string;
}

export interface PhotoInputs {
  clean: string;
  noisy: string;
  width: number;
  height: number;
}

/** A 3:2 photo of about `megapixels` MP (24 → 6000×4000). */
export function photoSize(megapixels: number): { width: number; height: number } {
  const height = Math.round(Math.sqrt((megapixels * 1e6 * 2) / 3) / 2) * 2;
  return { width: Math.round((height * 3) / 2), height };
}

/** The clean photo and its noisy 8-bit version (σ on 0–255, fixed seed), made once per size. */
export async function photoInputs(dir: string, megapixels: number, sigma: number): Promise<PhotoInputs> {
  const { width, height } = photoSize(megapixels);
  const clean = path.join(dir, `photo-${megapixels}mp.png`);
  const noisy = path.join(dir, `photo-${megapixels}mp-noisy${sigma}.png`);
  if (!existsSync(clean)) await writeSyntheticPhoto(clean, width, height);
  if (!existsSync(noisy)) {
    const image = await readImage(clean);
    await writeImage(noisy, { ...image, data: addGaussianNoise(image.data, sigma / 255, 1) }, { bitDepth: 8 });
  }
  return { clean, noisy, width, height };
}

async function timed(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ stdout: string; wall: number; peakMB?: number }> {
  const options = { maxBuffer: 64 << 20, timeout: 4 * 3600_000, ...(env ? { env } : {}) };
  if (!existsSync(TIME)) {
    const t0 = performance.now();
    const { stdout } = await exec(command, args, options);
    return { stdout, wall: (performance.now() - t0) / 1000 };
  }
  const report = path.join(os.tmpdir(), `gnc-time-${process.pid}-${Date.now()}.txt`);
  try {
    const { stdout } = await exec(TIME, ['-f', '%e %M', '-o', report, command, ...args], options);
    const [wall, kb] = readFileSync(report, 'utf8').trim().split('\n').at(-1)!.split(/\s+/).map(Number);
    return { stdout, wall: wall!, peakMB: Math.round(kb! / 1024) };
  } finally {
    rmSync(report, { force: true });
  }
}

async function score(output: string, clean: string): Promise<number> {
  const [a, b] = await Promise.all([readImage(output), readImage(clean)]);
  return psnr(a.data, b.data);
}

export interface GncRunOptions {
  sigma: number;
  threads?: number;
  steps?: number;
  model?: string;
  backend?: string;
}

export async function runGnc(inputs: PhotoInputs, megapixels: number, dir: string, o: GncRunOptions): Promise<PhotoRun & { backend: string; steps: number; tiles: number; innerPeakMB?: number }> {
  const out = path.join(dir, `gnc-${megapixels}mp.png`);
  const args = [path.join(projectRoot(), 'bin', 'gnc.js'), 'denoise', inputs.noisy, '--sigma', String(o.sigma), '-o', out, '--json', '--no-trace-energy', '--no-record'];
  if (o.threads !== undefined) args.push('--threads', String(o.threads));
  if (o.steps !== undefined) args.push('--steps', String(o.steps));
  if (o.model) args.push('--model', o.model);
  if (o.backend) args.push('--backend', o.backend);
  const run = await timed(process.execPath, args);
  const r = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
    seconds: number; threads: number; steps: number; tiles: number; method: string; model: { name: string }; backend: { name: string }; peakRssMB?: number;
  };
  return {
    tool: 'gnc', megapixels, width: inputs.width, height: inputs.height,
    seconds: r.seconds, wall: run.wall, ...(run.peakMB !== undefined ? { peakMB: run.peakMB } : {}),
    threads: r.threads, psnr: await score(out, inputs.clean),
    detail: `${r.model.name}, ${r.method} ${r.steps} steps, ${r.backend.name}`,
    backend: r.backend.name, steps: r.steps, tiles: r.tiles, ...(r.peakRssMB !== undefined ? { innerPeakMB: r.peakRssMB } : {}),
  };
}

export async function openCvThreads(python = DEFAULT_PYTHON): Promise<number> {
  const { stdout } = await exec(python, ['-c', 'import cv2; print(cv2.getNumThreads())']);
  return Number(stdout.trim());
}

export async function runOpenCv(inputs: PhotoInputs, megapixels: number, dir: string, sigma: number, threads: number, python = DEFAULT_PYTHON): Promise<PhotoRun> {
  const out = path.join(dir, `opencv-${megapixels}mp.png`);
  const h = nlmStrength(sigma);
  const run = await timed(python, [opencvScript(), 'nlm', inputs.noisy, out, String(h)]);
  const seconds = (JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { seconds: number }).seconds;
  return {
    tool: 'opencv', megapixels, width: inputs.width, height: inputs.height, seconds, wall: run.wall,
    ...(run.peakMB !== undefined ? { peakMB: run.peakMB } : {}), threads, psnr: await score(out, inputs.clean),
    detail: `fastNlMeansDenoisingColored h=${h.toFixed(1)}, 5, 21`,
  };
}

export async function gmicThreads(gmic = DEFAULT_GMIC): Promise<number> {
  const { stdout } = await exec(gmic, ['-v', '-1', 'echo_stdout', '$_cpus']);
  return Number(stdout.trim());
}

export async function runGmic(inputs: PhotoInputs, megapixels: number, dir: string, sigma: number, threads: number, gmic = DEFAULT_GMIC): Promise<PhotoRun> {
  const out = path.join(dir, `gmic-${megapixels}mp.png`);
  const run = await timed(gmic, ['-v', '-1', inputs.noisy, 'tic', 'denoise', gmicDenoiseArgs(sigma), 'toc', 't=${}', 'cut', '0,255', 'round', 'o', out, 'echo_stdout', '$t']);
  const seconds = Number(run.stdout.trim().split('\n').at(-1));
  return {
    tool: 'gmic', megapixels, width: inputs.width, height: inputs.height, seconds, wall: run.wall,
    ...(run.peakMB !== undefined ? { peakMB: run.peakMB } : {}), threads, psnr: await score(out, inputs.clean),
    detail: `denoise ${gmicDenoiseArgs(sigma)}`,
  };
}

// ---------------------------------------------------------------- GFLOP/s

/**
 * Multiply-adds ×2 of one ∇ₓR evaluation per pixel and sample: every layer's
 * convolution K_l and its adjoint K_lᵀ (the spline non-linearities are not
 * counted).
 */
export function gradientFlopsPerPixel(arch: { inChannels: number; layers: Array<{ features: number; kernelSize: number }> }): number {
  let flops = 0;
  arch.layers.forEach((layer, l) => {
    const cin = l === 0 ? arch.inChannels : arch.layers[l - 1]!.features;
    flops += 2 * (2 * layer.kernelSize * layer.kernelSize * cin * layer.features);
  });
  return flops;
}
