/**
 * The WebGPU path in a real browser: builds the app's WebGPU client and
 * worker (renderer/src/lib/gpu) into a small test page, opens it in Debian's
 * headless Chromium with --enable-unsafe-webgpu (which gives a software
 * SwiftShader adapter here), and runs the shipped grey-l1-dsm prior's
 * gradient and a short GNC-flow denoising on tfjs' WebGPU backend. The
 * results must equal the engine's CPU path (FoEPrior and proximalSteps on
 * tfjs-wasm and tfjs-cpu in this Node process, and tensorflow where
 * tfjs-node loads) to float tolerance.
 *
 * Skipped, saying why, where Chromium is missing or gives no WebGPU adapter.
 * GNC_WEBGPU_FLAGS (space-separated) replaces the WebGPU flags, to try others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, hasChromium, root } from './harness.js';
import { FoEPrior } from '../../src/prior/foe.js';
import { loadModelFile } from '../../src/prior/model-file.js';
import { DenoisingTerm } from '../../src/solve/data-terms.js';
import { proximalSteps } from '../../src/solve/gnc-flow.js';
import { sigmaSchedule } from '../../src/solve/schedule.js';
import { addGaussianNoise } from '../../src/image/noise.js';
import { syntheticImage } from '../helpers/fixtures.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import type { HarnessResult, HarnessRun } from './webgpu-harness/main.js';

const MODEL = path.join(root, 'resources', 'models', 'grey-l1-dsm.gncm');
const WEBGPU_FLAGS = process.env.GNC_WEBGPU_FLAGS?.split(/\s+/).filter(Boolean) ?? ['--enable-unsafe-webgpu'];
const BASE_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.gncm': 'application/octet-stream', '.map': 'application/json' };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

async function buildHarness(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: path.join(root, 'tests', 'e2e', 'webgpu-harness'),
    base: './',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, sourcemap: false, reportCompressedSize: false },
    worker: { format: 'es' },
  });
}

function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = name === '/model.gncm' ? MODEL : path.join(dir, name === '/' ? 'index.html' : name);
    if (!file.startsWith(dir) && file !== MODEL) return void res.writeHead(404).end();
    if (!existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` })));
}

describe.skipIf(!hasChromium)('WebGPU path in headless Chromium', () => {
  let browser: Browser | undefined;
  let page: Page | undefined;
  let server: Server | undefined;
  let outDir = '';
  let unavailable = '';

  beforeAll(async () => {
    outDir = mkdtempSync(path.join(tmpdir(), 'gnc-webgpu-'));
    await buildHarness(outDir);
    const served = await serve(outDir);
    server = served.server;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...BASE_FLAGS, ...WEBGPU_FLAGS] });
    page = await browser.newPage();
    page.on('pageerror', (err) => console.error('[webgpu page]', err.message));
    await page.goto(served.url);
    await page.waitForSelector('body[data-ready="true"]');
    const probe = await page.evaluate(() => (window as unknown as { gncGpu: { probe(): Promise<unknown> } }).gncGpu.probe());
    console.log(`[webgpu] Chromium flags ${[...BASE_FLAGS, ...WEBGPU_FLAGS].join(' ')}; probe: ${JSON.stringify(probe)}`);
    if (!(probe as { available: boolean }).available) unavailable = (probe as { reason: string }).reason;
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('runs the shipped prior’s gradient and a GNC flow on WebGPU with the CPU path’s results', async (ctx) => {
    if (unavailable) {
      console.warn(`[webgpu] skipped: Chromium gave no WebGPU adapter with ${WEBGPU_FLAGS.length ? WEBGPU_FLAGS.join(' ') : 'no WebGPU flags'} (${unavailable})`);
      ctx.skip();
    }
    const h = 48;
    const w = 40;
    const clean = syntheticImage(w, h, 1, { seed: 2 }).data;
    const noisy = addGaussianNoise(clean, 25 / 255, 3);
    const gradientSigmas = [0.01, 0.1, 0.4];
    const sigmas = Array.from(sigmaSchedule(0.4, 0.02, 6, 'log'));
    const stepScales = sigmas.map(() => 1);
    const run: HarnessRun = { shape: { n: 1, h, w, c: 1 }, x: Array.from(noisy), gradientSigmas, solve: { s: 25 / 255, sigmas, stepScales } };
    const gpu = (await page!.evaluate((args) => (window as unknown as { gncGpu: { run(a: HarnessRun): Promise<HarnessResult> } }).gncGpu.run(args), run)) as HarnessResult;

    const model = await loadModelFile(MODEL);
    expect(gpu.model.id).toBe(model.id);
    expect(gpu.progress).toEqual([1, 2, 3, 4, 5, 6]);
    const report: string[] = [`adapter ${JSON.stringify(gpu.adapter)}`];
    for (const backend of TEST_BACKENDS) {
      await useBackend(backend);
      const prior = new FoEPrior(model.architecture, model.parameters);
      gradientSigmas.forEach((sigma, i) => {
        const want = prior.evaluate(noisy, { n: 1, h, w, c: 1 }, [Math.log(sigma)], { gradX: true }).gradX!;
        const diff = maxAbsDiff(gpu.gradients[i]!, want);
        report.push(`∇ₓR σ=${sigma} vs ${backend}: max |Δ| ${diff.toExponential(2)} (max |∇ₓR| ${maxAbs(want).toFixed(3)})`);
        expect(diff).toBeLessThan(1e-4 * maxAbs(want) + 1e-6);
      });
      const want = proximalSteps({ prior, data: new DenoisingTerm(noisy, 25 / 255), shape: { n: 1, h, w, c: 1 } }, sigmas, stepScales, { traceEnergy: false }, 'gnc').x;
      const diff = maxAbsDiff(gpu.solved, want);
      report.push(`6-step GNC flow vs ${backend}: max |Δ| ${diff.toExponential(2)} (moved ${maxAbsDiff(want, noisy).toFixed(3)} from the input)`);
      expect(maxAbsDiff(want, noisy)).toBeGreaterThan(0.05);
      expect(diff).toBeLessThan(2e-4);
      prior.dispose();
    }
    console.log(`[webgpu] ${report.join('\n[webgpu] ')}`);
  });

  it('refuses a corrupt model file in the worker with the engine’s message', async (ctx) => {
    if (unavailable) ctx.skip();
    const result = await page!.evaluate(() => (window as unknown as { gncGpu: { corrupt(): Promise<{ kind: string; message: string }> } }).gncGpu.corrupt());
    expect(result).toEqual({ kind: 'invalid-model', message: 'model: weights checksum mismatch: the file is corrupt' });
  });
});
