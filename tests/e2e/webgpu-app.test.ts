/**
 * The app's WebGPU previews end to end: the real renderer build against a
 * real `gnc app`, in Debian's headless Chromium with --enable-unsafe-webgpu
 * (a software SwiftShader adapter here). The Denoise panel offers "Previews
 * on this window's GPU"; the same preview solved there and by an engine job
 * must give the same picture (within one 8-bit level), and the page must
 * stay within its CSP while the worker runs.
 *
 * Skipped, saying why, without Chromium or without a WebGPU adapter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, ensureRendererBuilt, ensureScreenshotDir, hasChromium, startApp, type RunningApp } from './harness.js';

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu'];

/** A small colour photo without an ICC profile (so the page reads back the stored values): 96×72, 8-bit RGB. */
async function makePhoto(file: string): Promise<void> {
  const w = 96;
  const h = 72;
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let rgb = [60 + x, 90 + y, 160 - x / 2];
      if ((x - 30) ** 2 + (y - 30) ** 2 < 14 ** 2) rgb = [220, 190, 40];
      if (x > 58 && x < 84 && y > 10 && y < 30) rgb = [30, 60, 120];
      if (y > 50 && y < 62) rgb = rgb.map((v) => v + 30 * Math.sin(x * 0.9));
      for (let c = 0; c < 3; c++) px[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(rgb[c]!)));
    }
  }
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
}

/** The RGBA pixels of the preview image shown for a backend, once it has loaded. */
async function previewPixels(page: Page, backend: 'webgpu' | 'engine'): Promise<{ width: number; height: number; rgba: number[] }> {
  const selector = `img[data-testid="preview-image"][data-backend="${backend}"]`;
  await page.waitForSelector(selector, { timeout: 120_000 });
  return page.evaluate(async (sel) => {
    const img = document.querySelector(sel) as HTMLImageElement;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    return { width: canvas.width, height: canvas.height, rgba: Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data) };
  }, selector);
}

describe.skipIf(!hasChromium)('WebGPU previews in the app (Chromium against gnc app)', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let adapter: unknown = null;
  const problems: string[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    app = await startApp();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    page = await (await browser.newContext({ viewport: { width: 1024, height: 700 } })).newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // Failed requests are checked one by one (responses below), not by their console echo.
      if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    });
    await page.addInitScript(() => {
      (window as unknown as { __csp: string[] }).__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective}: ${e.blockedURI || e.sample}`));
    });
    await page.goto(app.url);
    await page.getByText('Engine connected').waitFor();
    // A fresh library: the first-run welcome opens over the page; close it.
    const welcome = page.getByRole('dialog', { name: 'Welcome to GNC Studio' });
    await welcome.waitFor();
    await welcome.getByRole('button', { name: 'Close' }).click();
    await welcome.waitFor({ state: 'detached' });
    adapter = await page.evaluate(async () => {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string } } | null> } }).gpu;
      const a = gpu ? await gpu.requestAdapter() : null;
      return a ? { vendor: a.info?.vendor, architecture: a.info?.architecture } : null;
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('solves the live preview on the page’s GPU with the engine job’s picture', async (ctx) => {
    if (!adapter) {
      console.warn(`[webgpu-app] skipped: Chromium gave no WebGPU adapter with ${FLAGS.at(-1)}`);
      ctx.skip();
    }
    const photo = path.join(app.home, 'colour.png');
    await makePhoto(photo);
    await page.setInputFiles('input[data-testid="open-file"]', photo);
    await page.getByText('96 × 72 px').waitFor();
    const choice = page.getByTestId('preview-backend');
    await choice.waitFor();
    // A software adapter is offered but not chosen by itself.
    expect(await choice.inputValue()).toBe('engine');
    await page.getByLabel('Add this noise first').check();
    const steps = page.getByLabel('Steps T', { exact: true });
    await steps.fill('4');
    await steps.press('Enter');
    await previewPixels(page, 'engine');

    const plan = page.waitForResponse((r) => r.url().endsWith('/api/gpu/plan'));
    await choice.selectOption('webgpu');
    expect((await plan).status()).toBe(200);
    const gpu = await previewPixels(page, 'webgpu');
    const figures = await page.getByTestId('gpu-preview-figures').textContent();
    expect(figures).toMatch(/GPU preview: 4 steps in .+ · \d+\.\d\d dB/);
    await page.screenshot({ path: path.join(ensureScreenshotDir(), 'webgpu-preview.png') });

    await choice.selectOption('engine');
    const engine = await previewPixels(page, 'engine');
    expect([gpu.width, gpu.height]).toEqual([96, 72]);
    expect([engine.width, engine.height]).toEqual([96, 72]);
    let maxDiff = 0;
    let moved = 0;
    const input = (await sharp(photo).raw().toBuffer());
    for (let p = 0; p < 96 * 72; p++) {
      for (let c = 0; c < 3; c++) {
        maxDiff = Math.max(maxDiff, Math.abs(gpu.rgba[p * 4 + c]! - engine.rgba[p * 4 + c]!));
        moved = Math.max(moved, Math.abs(gpu.rgba[p * 4 + c]! - input[p * 3 + c]!));
      }
    }
    console.log(`[webgpu-app] adapter ${JSON.stringify(adapter)}; GPU vs engine preview: max difference ${maxDiff} of 255 (${figures})`);
    expect(moved).toBeGreaterThan(3);
    expect(maxDiff).toBeLessThanOrEqual(1);
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
