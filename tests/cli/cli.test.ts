/**
 * The real `gnc` CLI, spawned as users run it (`node bin/gnc.js ...`), on small
 * synthetic images in a temporary directory. Each spawn costs about a second
 * of startup, so runs use few steps and the independent ones run concurrently.
 */
import { DEFAULT_MODEL } from '../../src/prior/registry.js';
import { execFile, spawn } from 'node:child_process';
import { promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage, writeImage } from '../../src/image/io.js';
import { psnr } from '../../src/image/metrics.js';
import { addGaussianNoise, randomMissingMask } from '../../src/image/noise.js';
import type { RasterImage } from '../../src/image/types.js';
import { mulberry } from '../helpers/random.js';
import { quantised, tempDir, writeMaskFile, writeSynthetic } from '../helpers/fixtures.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODEL_FILE = path.join(root, `resources/models/${DEFAULT_MODEL}.gncm`);
const tmp = tempDir('gnc-cli-');
const file = tmp.file;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function gnc(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/gnc.js', ...args], { cwd: root, timeout: 90_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      // On a non-zero exit, err.code is the exit status; null means killed (e.g. by the timeout).
      const status = (err as { code?: unknown } | null)?.code;
      const code = err ? (typeof status === 'number' ? status : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Leftover temporary files of atomic writes (".NAME.PID.HEX.tmp"). */
function tempFilesIn(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('.') && f.endsWith('.tmp'));
}

/** A fresh output directory per run, so each test can check exactly what it left behind. */
let outDirs = 0;
async function outDir(): Promise<string> {
  const dir = file(`out-${++outDirs}`);
  await fs.mkdir(dir);
  return dir;
}

function parseReport(run: Run): Record<string, any> {
  const lines = run.stdout.trim().split('\n');
  expect(lines, run.stdout).toHaveLength(1);
  const report = JSON.parse(lines[0]!) as Record<string, any>;
  expect(typeof report).toBe('object');
  return report;
}

const W = 48;
let clean: RasterImage;
let noisy: RasterImage;

beforeAll(async () => {
  clean = await writeSynthetic(file('clean.png'), W, W, 1, { seed: 3 });
  noisy = quantised({ ...clean, data: addGaussianNoise(clean.data, 25 / 255, 5) });
  await writeImage(file('noisy.png'), noisy, { bitDepth: 8 });
  await writeSynthetic(file('colour.png'), 40, 40, 3, { seed: 4 });
  await writeSynthetic(file('grey16.png'), 40, 40, 1, { seed: 6, bitDepth: 16 });
  const alpha = new Float32Array(40 * 40).map((_, p) => ((p * 7) % 256) / 255);
  await writeSynthetic(file('rgba.png'), 40, 40, 3, { seed: 8, alpha });
  await writeSynthetic(file('tiny.png'), 24, 24, 1, { seed: 9 });
  const mask = randomMissingMask(W, W, 0.5, 11);
  await writeMaskFile(file('mask.png'), mask, W, W);
  await writeMaskFile(file('mask32.png'), randomMissingMask(32, 32, 0.5, 11), 32, 32);
  await writeSynthetic(file('big.png'), 96, 96, 3, { seed: 10 });

  const rand = mulberry(99);
  await fs.writeFile(file('corrupt.png'), Buffer.from(Array.from({ length: 600 }, () => Math.floor(rand() * 256))));
  await fs.writeFile(file('random.gncm'), Buffer.from(Array.from({ length: 4096 }, () => Math.floor(rand() * 256))));
  const model = await fs.readFile(MODEL_FILE);
  await fs.writeFile(file('truncated.gncm'), model.subarray(0, Math.floor(model.length * 0.6)));
  const flipped = Buffer.from(model);
  flipped[flipped.length - 100]! ^= 0x40;
  await fs.writeFile(file('flipped.gncm'), flipped);
});

afterAll(() => {
  const leftovers = readdirSync(tmp.dir, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)\.[^/]*\.tmp$/.test(f));
  tmp.cleanup();
  expect(leftovers).toEqual([]);
});

describe.concurrent('gnc CLI: help and models', () => {
  it('--help exits 0 and names the default model and the 0–255 scale', async ({ expect }) => {
    const run = await gnc(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(DEFAULT_MODEL);
    expect(run.stdout).toMatch(/0–255 scale/);
    expect(run.stdout).toMatch(/denoise/);
    expect(run.stdout).toMatch(/inpaint/);
  });

  it('models --json lists the default model once, with a 64-hex id', async ({ expect }) => {
    const run = await gnc(['models', '--json']);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as Array<{ name: string; default: boolean; id: string; path: string; sigmaRange: number[] }>;
    const starter = rows.find((r) => r.name === DEFAULT_MODEL);
    expect(starter).toBeDefined();
    expect(starter!.default).toBe(true);
    expect(starter!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.filter((r) => r.default)).toHaveLength(1);
    expect(path.resolve(starter!.path)).toBe(MODEL_FILE);
    // σ range on the 0–255 scale.
    expect(starter!.sigmaRange[0]!).toBeGreaterThan(1);
    expect(starter!.sigmaRange[1]!).toBeGreaterThan(starter!.sigmaRange[0]!);
  });
});

describe.concurrent('gnc denoise', () => {
  it('--json reports a PSNR gain, the backend and a 0–255 trace, and writes a same-sized image', async ({ expect }) => {
    const dir = await outDir();
    const out = path.join(dir, 'out.png');
    const run = await gnc(['denoise', file('noisy.png'), '-o', out, '--sigma', '25', '--clean', file('clean.png'), '--json', '--steps', '6', '--sigma0', '60', '--sigma-min', '8']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const r = parseReport(run);
    expect(r.command).toBe('denoise');
    expect(r.output).toBe(path.resolve(out));
    expect(['onnx', 'wasm', 'cpu', 'tensorflow']).toContain(r.backend.name);
    expect(r.model.name).toBe(DEFAULT_MODEL);
    expect(r.method).toBe('gnc');
    expect(r.steps).toBe(6);
    expect(r.sigma).toBeCloseTo(25, 6);
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.psnr).toBeGreaterThan(r.inputPsnr + 2);
    expect(r.ssim).toBeGreaterThan(0);
    expect(r.inputPsnr).toBeCloseTo(psnr(noisy.data, clean.data), 4);

    // Trace: steps + 1 entries, σ on the 0–255 scale from --sigma0 down to --sigma-min.
    expect(r.trace).toHaveLength(7);
    expect(r.trace.map((t: { step: number }) => t.step)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(r.trace[0].sigma).toBeCloseTo(60, 4);
    expect(r.trace.at(-1).sigma).toBeCloseTo(8, 4);
    expect(r.settings.sigma0).toBeCloseTo(60, 4);
    expect(r.settings.sigmaMin).toBeCloseTo(8, 4);
    for (const t of r.trace) expect(Number.isFinite(t.energy)).toBe(true);
    expect(r.trace.at(-1).psnr).toBeGreaterThan(r.trace[0].psnr);

    // The file itself: same geometry and better than the noisy input, measured independently.
    const written = await readImage(out);
    expect([written.width, written.height, written.channels, written.bitDepth]).toEqual([W, W, 1, 8]);
    expect(psnr(written.data, clean.data)).toBeGreaterThan(psnr(noisy.data, clean.data) + 2);
    expect(Math.abs(psnr(written.data, clean.data) - r.psnr)).toBeLessThan(0.3);
    expect(readdirSync(dir)).toEqual(['out.png']);
  });

  it('--add-noise uses the input as the reference and reports psnr and inputPsnr', async ({ expect }) => {
    const dir = await outDir();
    const out = path.join(dir, 'out.png');
    const run = await gnc(['denoise', file('colour.png'), '-o', out, '--add-noise', '25', '--seed', '3', '--steps', '6', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const r = parseReport(run);
    expect(r.addedNoise).toEqual({ sigma: 25, seed: 3 });
    expect(r.sigma).toBeCloseTo(25, 6);
    expect(r.channels).toBe(3);
    // σ = 25 noise on [0, 255]: about 20 dB.
    expect(r.inputPsnr).toBeGreaterThan(19);
    expect(r.inputPsnr).toBeLessThan(21.5);
    expect(r.psnr).toBeGreaterThan(r.inputPsnr + 3);
    const written = await readImage(out);
    expect([written.width, written.height, written.channels]).toEqual([40, 40, 3]);
    expect(tempFilesIn(dir)).toEqual([]);
  });

  it('keeps 16-bit input 16-bit', async ({ expect }) => {
    const dir = await outDir();
    const out = path.join(dir, 'out16.png');
    const run = await gnc(['denoise', file('grey16.png'), '-o', out, '--sigma', '10', '--steps', '4', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(parseReport(run).bitDepth).toBe(16);
    const written = await readImage(out);
    expect(written.bitDepth).toBe(16);
    expect([written.width, written.height, written.channels]).toEqual([40, 40, 1]);
    // Real 16-bit values, not 8-bit ones widened (multiples of 257).
    const widened = Array.from(written.data).filter((v) => Math.round(v * 65535) % 257 === 0).length;
    expect(widened).toBeLessThan(written.data.length / 2);
  });

  it('keeps the alpha channel of RGBA input bit-exact, and without --json prints one summary line', async ({ expect }) => {
    const dir = await outDir();
    const out = path.join(dir, 'rgba-out.png');
    const run = await gnc(['denoise', file('rgba.png'), '-o', out, '--sigma', '15', '--steps', '4', '--method', 'joint', '--model', 'starter-dct-gsm']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^denoise: wrote .*rgba-out\.png \(40×40, RGB, 8-bit\).*joint 4 steps/);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(tempFilesIn(dir)).toEqual([]);
    const input = await readImage(file('rgba.png'));
    const written = await readImage(out);
    expect(input.alpha).toBeDefined();
    expect(written.bitDepth).toBe(8);
    expect(written.channels).toBe(3);
    expect(written.alpha).toBeDefined();
    expect(Array.from(written.alpha!)).toEqual(Array.from(input.alpha!));
    // The colour did change (it was denoised), so alpha was not just copied along with everything else.
    expect(psnr(written.data, input.data)).toBeLessThan(60);
  });

  it('--backend cpu runs on the cpu backend (and --bit-depth 16 widens 8-bit input)', async ({ expect }) => {
    const dir = await outDir();
    const out = path.join(dir, 'cpu.png');
    const run = await gnc(['denoise', file('tiny.png'), '-o', out, '--sigma', '20', '--steps', '2', '--backend', 'cpu', '--bit-depth', '16', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const r = parseReport(run);
    expect(r.backend.name).toBe('cpu');
    expect(r.trace).toHaveLength(3);
    expect(r.bitDepth).toBe(16);
    const written = await readImage(out);
    expect([written.width, written.height, written.bitDepth]).toEqual([24, 24, 16]);
  });
});

describe.concurrent('gnc inpaint', () => {
  it('fills the masked pixels, keeps the others and reports the missing fraction', async ({ expect }) => {
    const dir = await outDir();
    const out = path.join(dir, 'filled.png');
    const run = await gnc(['inpaint', file('clean.png'), '--mask', file('mask.png'), '-o', out, '--steps', '6', '--json', '--clean', file('clean.png')]);
    expect(run.code, run.stderr).toBe(0);
    const r = parseReport(run);
    expect(r.command).toBe('inpaint');
    expect(r.missingFraction).toBeCloseTo(0.5, 6);
    expect(r.trace).toHaveLength(7);
    const written = await readImage(out);
    expect([written.width, written.height, written.channels]).toEqual([W, W, 1]);
    const mask = randomMissingMask(W, W, 0.5, 11);
    let sum = 0;
    let count = 0;
    for (let p = 0; p < mask.length; p++) {
      if (mask[p]) {
        expect(written.data[p]).toBe(clean.data[p]);
        sum += clean.data[p]!;
        count++;
      }
    }
    const meanFill = clean.data.map((v, p) => (mask[p] ? v : sum / count));
    expect(psnr(written.data, clean.data)).toBeGreaterThan(psnr(meanFill, clean.data) + 3);
    expect(r.psnr).toBeCloseTo(psnr(written.data, clean.data), 0);
    expect(tempFilesIn(dir)).toEqual([]);
  });

  it('refuses a mask of the wrong size, naming both sizes', async ({ expect }) => {
    const dir = await outDir();
    const out = path.join(dir, 'filled.png');
    const run = await gnc(['inpaint', file('clean.png'), '--mask', file('mask32.png'), '-o', out, '--steps', '6']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/32×32/);
    expect(run.stderr).toMatch(/48×48/);
    expect(run.stdout).toBe('');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe.concurrent('gnc: errors leave nothing behind', () => {
  /** Runs a denoise that must fail: non-zero exit, one clear line on stderr, nothing on stdout, no files. */
  async function fails(args: string[], expectedCode: number | 'non-zero', ...messages: RegExp[]): Promise<string> {
    const dir = await outDir();
    const out = path.join(dir, 'out.png');
    const run = await gnc(['denoise', ...args.map((a) => (a === 'OUT' ? out : a))]);
    if (expectedCode === 'non-zero') expect(run.code).not.toBe(0);
    else expect(run.code, run.stderr).toBe(expectedCode);
    expect(run.code).not.toBeNull(); // exited, not killed by the timeout
    for (const m of messages) expect(run.stderr).toMatch(m);
    expect(run.stderr).not.toMatch(/unexpected error|\n\s+at /); // no stack traces
    expect(run.stdout).toBe('');
    expect(readdirSync(dir)).toEqual([]);
    return run.stderr;
  }

  it('unknown model name lists the shipped models', async () => {
    await fails([file('noisy.png'), '-o', 'OUT', '--sigma', '25', '--model', 'no-such-model'], 1, /no-such-model/, /starter-dct-gsm/);
  });

  it('a model file of random bytes', async () => {
    await fails([file('noisy.png'), '-o', 'OUT', '--sigma', '25', '--model', file('random.gncm')], 1, /random\.gncm/, /not a GNC Studio model|truncated|checksum/);
  });

  it('a truncated copy of the shipped model', async () => {
    await fails([file('noisy.png'), '-o', 'OUT', '--sigma', '25', '--model', file('truncated.gncm')], 1, /truncated\.gncm/, /truncated|checksum/);
  });

  it('a copy of the shipped model with one flipped bit', async () => {
    await fails([file('noisy.png'), '-o', 'OUT', '--sigma', '25', '--model', file('flipped.gncm')], 1, /flipped\.gncm/, /checksum/);
  });

  it('a corrupt input image', async () => {
    await fails([file('corrupt.png'), '-o', 'OUT', '--sigma', '25'], 1, /corrupt\.png/, /PNG, JPEG, TIFF or WebP/);
  });

  // Without --sigma the level is estimated (tests/cli/batch.test.ts); a bad noise model is still refused.
  it('an unknown --noise-model', async () => {
    await fails([file('noisy.png'), '-o', 'OUT', '--noise-model', 'speckle'], 2, /--noise-model/, /poisson-gaussian/);
  });

  it('a negative --sigma', async () => {
    await fails([file('noisy.png'), '-o', 'OUT', '--sigma', '-3'], 2, /--sigma/, /"-3"/);
  });

  it('--steps 0', async () => {
    await fails([file('noisy.png'), '-o', 'OUT', '--sigma', '25', '--steps', '0'], 2, /--steps/, /"0"/);
  });

  it('--method foo', async () => {
    await fails([file('noisy.png'), '-o', 'OUT', '--sigma', '25', '--method', 'foo'], 2, /--method/, /gnc, joint/, /"foo"/);
  });

  it('--sigma-min above --sigma0', async () => {
    // The message speaks the 0–255 scale the options were given on.
    await fails([file('noisy.png'), '-o', 'OUT', '--sigma', '25', '--sigma0', '10', '--sigma-min', '20'], 2, /sigma-min \(20\)/, /sigma0 \(10\)/);
  });

  it('an unknown --backend', async () => {
    await fails([file('noisy.png'), '-o', 'OUT', '--sigma', '25', '--backend', 'foo'], 2, /--backend/, /'foo'/, /wasm/);
  });

  it('an output extension it cannot write, before any work is done', async () => {
    const dir = await outDir();
    const run = await gnc(['denoise', file('noisy.png'), '-o', path.join(dir, 'out.bmp'), '--sigma', '25', '--steps', '10000', '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\.png/);
    expect(run.stderr).toMatch(/out\.bmp/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('gnc: Ctrl-C', () => {
  it('stops a long run at once and writes no output', async () => {
    const dir = await outDir();
    const out = path.join(dir, 'never.png');
    const child = spawn(process.execPath, ['bin/gnc.js', 'denoise', file('big.png'), '-o', out, '--sigma', '25', '--steps', '10000', '--progress'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    // The progress bar shows "0/10000" once the solver has started.
    await new Promise<void>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`the solve never started: ${stderr}`)), 60_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('/10000')) {
          clearTimeout(guard);
          resolve();
        }
      });
    });
    const sent = performance.now();
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const { code, signal } = await exited;
    clearTimeout(killer);
    const seconds = (performance.now() - sent) / 1000;
    expect(seconds, `took ${seconds.toFixed(1)} s to stop after SIGINT`).toBeLessThan(10);
    expect(signal === 'SIGINT' || code === 130, `code ${code}, signal ${signal}`).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  }, 90_000);
});
