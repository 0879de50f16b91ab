/**
 * `gnc denoise DIR -o OUTDIR` / `gnc inpaint DIR --mask MASKDIR -o OUTDIR`
 * (bad files skipped and reported, resume, one library experiment, Ctrl-C),
 * and `--sigma auto` / `--noise-model poisson-gaussian` on single files. The
 * real CLI is spawned on tiny images made here; solver steps are kept few.
 */
import { execFile, spawn } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { readImage, writeImage } from '../../src/image/io.js';
import { addGaussianNoise, addPoissonGaussianNoise, randomMissingMask } from '../../src/image/noise.js';
import { openLibrary } from '../../src/library/library.js';
import { syntheticImage, tempDir, writeMaskFile } from '../helpers/fixtures.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = tempDir('gnc-batch-');
afterAll(() => tmp.cleanup());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function gnc(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/gnc.js', ...args], { cwd: root, timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const status = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof status === 'number' ? status : null) : 0, stdout, stderr });
    });
  });
}

function tempFilesIn(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('.') && f.endsWith('.tmp'));
}

/** A small noisy photo written with sharp's encoders (PNG or JPEG by extension). */
async function noisyPhoto(file: string, size: number, channels: 1 | 3, seed: number): Promise<void> {
  const clean = syntheticImage(size, size, channels, { seed });
  const data = addGaussianNoise(clean.data, 15 / 255, seed).map((v) => Math.min(1, Math.max(0, v)));
  await writeImage(file, { ...clean, data }, { bitDepth: 8 });
}

describe('gnc denoise on a folder', () => {
  const input = tmp.file('photos');
  const out = tmp.file('denoised');
  const library = tmp.file('library.sqlite');

  it('denoises every photo, skips and reports bad files, records one experiment, and resumes', async () => {
    await fs.mkdir(input);
    await noisyPhoto(path.join(input, 'a.png'), 24, 1, 1);
    await noisyPhoto(path.join(input, 'b.jpg'), 24, 3, 2);
    // Corrupt: the first half of a PNG that sharp encoded; unsupported: a text file.
    const png = await sharp({ create: { width: 24, height: 24, channels: 3, background: '#808080' } }).png().toBuffer();
    writeFileSync(path.join(input, 'c.png'), png.subarray(0, Math.floor(png.length / 2)));
    writeFileSync(path.join(input, 'notes.txt'), 'hello');

    const first = await gnc(['denoise', input, '-o', out, '--steps', '1', '--library', library, '--json']);
    // One file failed, so the status is 1, after the full report.
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toMatch(/1 of 4 files could not be denoised/);
    const report = JSON.parse(first.stdout.trim()) as Record<string, any>;
    expect(report).toMatchObject({ command: 'denoise', batch: true, done: 2, skipped: 1, failed: 1, cancelled: false });
    const byName = Object.fromEntries((report.files as Array<Record<string, any>>).map((f) => [path.basename(f.input), f]));
    expect(byName['c.png']).toMatchObject({ status: 'failed' });
    expect(byName['c.png']!.reason).toMatch(/c\.png/);
    expect(byName['notes.txt']).toMatchObject({ status: 'skipped' });
    expect(byName['notes.txt']!.reason).toMatch(/unsupported file type "\.txt"/);
    for (const name of ['a.png', 'b.jpg']) {
      expect(byName[name]).toMatchObject({ status: 'done', output: path.join(out, name) });
      // No --sigma: estimated from each photo, and the report says so.
      expect(byName[name]!.noise).toMatchObject({ model: 'gaussian', source: 'estimated' });
      expect(byName[name]!.sigma).toBeGreaterThan(5);
    }
    expect(readdirSync(out).sort()).toEqual(['a.png', 'b.jpg']);
    const a = await readImage(path.join(out, 'a.png'));
    expect([a.width, a.height, a.channels]).toEqual([24, 24, 1]);
    expect((await readImage(path.join(out, 'b.jpg'))).channels).toBe(3);

    // One experiment holds the batch's runs, the failed one included.
    const lib = openLibrary({ path: library });
    try {
      const experiments = lib.experiments.list().filter((e) => e.kind === 'batch-denoise');
      expect(experiments).toHaveLength(1);
      expect(experiments[0]!.id).toBe(report.experiment);
      const runs = lib.runs.list({ experimentId: report.experiment });
      expect(runs.map((r) => r.status).sort()).toEqual(['done', 'done', 'failed']);
      // The estimated σ is kept with each finished run, beside the request's 'auto'.
      for (const r of runs.filter((x) => x.status === 'done')) {
        expect(r.params.sigma).toBe('auto');
        expect(r.params.resolved).toMatchObject({ noise: { model: 'gaussian', source: 'estimated' } });
        expect((r.params.resolved as { sigma: number }).sigma).toBeGreaterThan(5);
      }
    } finally {
      lib.close();
    }

    // Resume: a finished output is kept as it is, a missing one is made again.
    const keptBytes = readFileSync(path.join(out, 'a.png'));
    const keptTime = statSync(path.join(out, 'a.png')).mtimeMs;
    await fs.rm(path.join(out, 'b.jpg'));
    const second = await gnc(['denoise', input, '-o', out, '--steps', '1', '--library', library, '--json']);
    expect(second.code, second.stderr).toBe(1);
    const again = JSON.parse(second.stdout.trim()) as Record<string, any>;
    expect(again).toMatchObject({ done: 1, failed: 1, skipped: 2, experiment: report.experiment });
    const files = Object.fromEntries((again.files as Array<Record<string, any>>).map((f) => [path.basename(f.input), f]));
    expect(files['a.png']).toMatchObject({ status: 'skipped' });
    expect(files['a.png']!.reason).toMatch(/output exists/);
    expect(files['b.jpg']).toMatchObject({ status: 'done' });
    expect(readFileSync(path.join(out, 'a.png')).equals(keptBytes)).toBe(true);
    expect(statSync(path.join(out, 'a.png')).mtimeMs).toBe(keptTime);
    expect(tempFilesIn(out)).toEqual([]);
    const lib2 = openLibrary({ path: library });
    try {
      expect(lib2.experiments.list().filter((e) => e.kind === 'batch-denoise')).toHaveLength(1);
      expect(lib2.runs.list({ experimentId: report.experiment })).toHaveLength(5);
    } finally {
      lib2.close();
    }
  }, 120_000);

  it('refuses an output folder that is the input folder or a file, and --clean', async () => {
    const [same, asFile, clean] = await Promise.all([
      gnc(['denoise', input, '-o', input, '--no-record']),
      gnc(['denoise', input, '-o', path.join(input, 'a.png'), '--no-record']),
      gnc(['denoise', input, '-o', tmp.file('x'), '--clean', path.join(input, 'a.png'), '--no-record']),
    ]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/output folder must differ from the input folder/);
    expect(asFile.stderr).toMatch(/-o must be a folder for the results, but .*a\.png is a file/);
    expect(clean.stderr).toMatch(/--clean takes one reference image/);
  }, 60_000);

  it('Ctrl-C cancels the file in progress, writes nothing of it and exits 130', async () => {
    const dir = tmp.file('slow');
    const slowOut = tmp.file('slow-out');
    await fs.mkdir(dir);
    await noisyPhoto(path.join(dir, 'big.png'), 192, 1, 5);
    await noisyPhoto(path.join(dir, 'next.png'), 24, 1, 6);
    const child = spawn(process.execPath, ['bin/gnc.js', 'denoise', dir, '-o', slowOut, '--sigma', '15', '--steps', '10000', '--progress', '--no-record'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    // Wait until the first file is being solved (its progress shows).
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/big\.png \d+%/.test(stderr)) resolve();
      });
    });
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const { code } = await exited;
    clearTimeout(killer);
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/cancelled after 0 of 2 files; run the same command again/);
    expect(readdirSync(slowOut)).toEqual([]);
  }, 90_000);
});

describe('gnc inpaint on a folder', () => {
  it('matches masks by file stem and skips a photo without one', async () => {
    const dir = tmp.file('holes');
    const masks = tmp.file('masks');
    const out = tmp.file('filled');
    await fs.mkdir(dir);
    await fs.mkdir(masks);
    for (const [i, name] of ['one.png', 'two.png', 'three.png'].entries()) {
      const img = syntheticImage(20, 20, 1, { seed: i + 1 });
      await writeImage(path.join(dir, name), img, { bitDepth: 8 });
    }
    // Masks may have another format than their photo; only the stem counts.
    await writeMaskFile(path.join(masks, 'one.png'), randomMissingMask(20, 20, 0.3, 1), 20, 20);
    await writeMaskFile(path.join(masks, 'two.tif'), randomMissingMask(20, 20, 0.3, 2), 20, 20);
    const run = await gnc(['inpaint', dir, '--mask', masks, '-o', out, '--steps', '2', '--no-record', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim()) as Record<string, any>;
    expect(report).toMatchObject({ command: 'inpaint', done: 2, skipped: 1, failed: 0 });
    const three = (report.files as Array<Record<string, any>>).find((f) => path.basename(f.input) === 'three.png')!;
    expect(three.reason).toMatch(/no mask named three\.\* in/);
    expect(readdirSync(out).sort()).toEqual(['one.png', 'two.png']);

    const notDir = await gnc(['inpaint', dir, '--mask', path.join(masks, 'one.png'), '-o', out, '--no-record']);
    expect(notDir.stderr).toMatch(/--mask must be a folder of masks/);
  }, 60_000);
});

describe('gnc denoise noise level', () => {
  it('--sigma auto (the default) estimates σ, says so, and puts it in the JSON', async () => {
    const clean = syntheticImage(96, 96, 3, { seed: 9 });
    const noisy = tmp.file('auto.png');
    await writeImage(noisy, { ...clean, data: addGaussianNoise(clean.data, 20 / 255, 4) }, { bitDepth: 16 });
    const [text, json] = await Promise.all([
      gnc(['denoise', noisy, '-o', tmp.file('auto-out.png'), '--steps', '1', '--no-record']),
      gnc(['denoise', noisy, '-o', tmp.file('auto-out2.png'), '--sigma', 'auto', '--steps', '1', '--no-record', '--json']),
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/noise: σ \d+\.\d\d \(0–255\) estimated from the photo/);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout.trim()) as Record<string, any>;
    expect(report.noise).toMatchObject({ model: 'gaussian', source: 'estimated' });
    // Noise added in floating point, written at 16 bits: the estimate is within 10 % of 20.
    expect(Math.abs(report.sigma - 20) / 20).toBeLessThan(0.1);
    expect(report.noise.sigma).toBe(report.sigma);

    const bad = await gnc(['denoise', noisy, '-o', tmp.file('x.png'), '--sigma', 'autox', '--no-record']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/noise level between 0\.1 and 255 .* or "auto", got "autox"/);
  }, 60_000);

  it('--noise-model poisson-gaussian estimates gain and offset and denoises through the VST', async () => {
    const clean = syntheticImage(192, 192, 1, { seed: 12 });
    const noisy = tmp.file('camera.png');
    const cleanFile = tmp.file('camera-clean.png');
    await writeImage(noisy, { ...clean, data: addPoissonGaussianNoise(clean.data, 0.01, 0.00002, 8).map((v) => Math.min(1, Math.max(0, v))) }, { bitDepth: 16 });
    await writeImage(cleanFile, clean, { bitDepth: 16 });
    const [run, gaussian] = await Promise.all([
      gnc(['denoise', noisy, '-o', tmp.file('camera-out.png'), '--noise-model', 'poisson-gaussian', '--clean', cleanFile, '--no-record', '--json']),
      gnc(['denoise', noisy, '-o', tmp.file('camera-out-g.png'), '--clean', cleanFile, '--no-record', '--json']),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim()) as Record<string, any>;
    expect(report.noise).toMatchObject({ model: 'poisson-gaussian', source: 'estimated' });
    expect(Math.abs(report.noise.a - 0.01) / 0.01, `a = ${report.noise.a}`).toBeLessThan(0.3);
    // Better than the noisy image, and than one σ for the whole photo (the flattest blocks' σ, too low for the bright parts).
    expect(report.psnr).toBeGreaterThan(report.inputPsnr + 2);
    const plain = JSON.parse(gaussian.stdout.trim()) as Record<string, any>;
    expect(report.psnr, `poisson-gaussian ${report.psnr} dB, gaussian ${plain.psnr} dB`).toBeGreaterThan(plain.psnr + 0.5);

    const both = await gnc(['denoise', noisy, '-o', tmp.file('y.png'), '--noise-model', 'poisson-gaussian', '--sigma', '10', '--no-record']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--sigma does not apply with --noise-model poisson-gaussian/);
  }, 60_000);
});
